"""Query parameters of the catalogue listing: a stable, documented public interface.

``/formations/`` (and ``/en/formations/``, and ``/calendar/catalogue.ics``)
accept these GET parameters. Repeatable ones may appear several times
(``?theme=a&theme=b``); values of one parameter are OR-ed, parameters are
AND-ed. Unknown or malformed values are ignored and reported as a notice;
they never cause an error.

``q``
    Full-text search (French stemming on PostgreSQL), all words must match.
``theme`` (repeatable)
    ``Theme.slug``.
``partner`` (repeatable)
    ``Partner.slug``.
``format`` (repeatable)
    ``in_person``, ``online``, ``blended`` (``CourseFormat``).
``language`` (repeatable)
    ``fr``, ``en``.
``level`` (repeatable)
    ``discovery``, ``intermediate``, ``advanced``, ``expert`` (``CourseLevel``).
``month`` (repeatable)
    ``YYYY-MM``: one of the course's upcoming sessions starts in that month
    (Europe/Paris).
``from``, ``to``
    ``YYYY-MM-DD``: an upcoming session starts within the range (inclusive).
``price`` (repeatable)
    ``free``, ``under-500``, ``500-1500``, ``over-1500``: the self-funded
    individual price incl. tax of a matching upcoming session (the course's
    indicative ``price_from`` for a session without that tier, or when the
    course has no upcoming session). Cards show the lowest such price.
``duration`` (repeatable)
    ``up-to-7h``, ``7-21h``, ``21-35h``, ``over-35h`` on the course's total hours.
``places``
    ``1``: only courses with a session open for enrolment with places left.
``sort``
    ``next`` (default: next session first, courses without one last, then
    title) or ``title``.
``page``
    Page number, 12 courses per page.

Session-level filters (``month``, ``from``/``to``, ``language``, ``price``,
``places``) must all be satisfied by the same upcoming session; course-level
filters (``theme``, ``partner``, ``format``, ``level``, ``duration``) by the
course.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from catalogue.choices import CourseFormat, CourseLevel, Language

PER_PAGE = 12
MAX_QUERY_LENGTH = 200
MAX_VALUES_PER_PARAMETER = 50

SORT_NEXT = "next"
SORT_TITLE = "title"
SORT_CHOICES = ((SORT_NEXT, _("Next session")), (SORT_TITLE, _("Title")))

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,80}$")
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Bucket:
    """A named numeric range, ``(low, high]`` unless told otherwise; None is unbounded."""

    key: str
    label: str
    low: Decimal | None
    high: Decimal | None
    low_inclusive: bool = False
    high_inclusive: bool = True

    def contains(self, value: Decimal) -> bool:
        above_low = self.low is None or value > self.low or (value == self.low and self.low_inclusive)
        below_high = self.high is None or value < self.high or (value == self.high and self.high_inclusive)
        return above_low and below_high


PRICE_BUCKETS: tuple[Bucket, ...] = (
    Bucket("free", _("Free"), Decimal(0), Decimal(0), low_inclusive=True),
    Bucket("under-500", _("Under 500 €"), Decimal(0), Decimal(500), high_inclusive=False),
    Bucket("500-1500", _("500 € to 1,500 €"), Decimal(500), Decimal(1500), low_inclusive=True),
    Bucket("over-1500", _("Over 1,500 €"), Decimal(1500), None),
)
DURATION_BUCKETS: tuple[Bucket, ...] = (
    Bucket("up-to-7h", _("Up to 7 hours"), None, Decimal(7)),
    Bucket("7-21h", _("7 to 21 hours"), Decimal(7), Decimal(21)),
    Bucket("21-35h", _("21 to 35 hours"), Decimal(21), Decimal(35)),
    Bucket("over-35h", _("Over 35 hours"), Decimal(35), None),
)


def bucket_for(value: Decimal | None, buckets: Iterable[Bucket]) -> str | None:
    """The key of the first bucket containing ``value`` (None when there is no value)."""
    if value is None:
        return None
    for bucket in buckets:
        if bucket.contains(value):
            return bucket.key
    return None


@dataclass(frozen=True, slots=True)
class Notice:
    """A friendly message about input that was ignored or adjusted."""

    message: str


@dataclass(frozen=True)
class ListingParams:
    """The parsed, validated listing parameters (values deduplicated, in input order)."""

    q: str = ""
    themes: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    prices: tuple[str, ...] = ()
    durations: tuple[str, ...] = ()
    places: bool = False
    sort: str = SORT_NEXT
    page: int = 1
    # What the person typed in the free-text inputs, re-rendered as is.
    typed: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def has_filters(self) -> bool:
        """True when anything narrows the results (the search text included)."""
        return bool(
            self.q
            or self.themes
            or self.partners
            or self.formats
            or self.languages
            or self.levels
            or self.months
            or self.date_from
            or self.date_to
            or self.prices
            or self.durations
            or self.places
        )


# Parameter name -> (ListingParams attribute, allowed values or None for a slug, label for notices).
_CHOICE_PARAMS: dict[str, tuple[str, frozenset[str] | None, str]] = {
    "theme": ("themes", None, _("theme")),
    "partner": ("partners", None, _("partner")),
    "format": ("formats", frozenset(CourseFormat.values), _("format")),
    "language": ("languages", frozenset(Language.values), _("language")),
    "level": ("levels", frozenset(CourseLevel.values), _("level")),
    "price": ("prices", frozenset(b.key for b in PRICE_BUCKETS), _("price")),
    "duration": ("durations", frozenset(b.key for b in DURATION_BUCKETS), _("duration")),
}


def _ignored(value: str, what: str) -> Notice:
    return Notice(str(_("“%(value)s” is not a valid %(what)s; it was ignored.") % {"value": value[:80], "what": what}))


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value, None)
    return list(seen)


def _parse_month(value: str) -> str | None:
    match = MONTH_RE.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        return None
    return value


def _parse_date(value: str) -> dt.date | None:
    if not DATE_RE.match(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def parse_params(query: QueryDict) -> tuple[ListingParams, list[Notice]]:
    """Parse the listing's GET parameters; return the params and notices about ignored input."""
    notices: list[Notice] = []
    values: dict[str, object] = {}
    typed: dict[str, str] = {}

    q = " ".join(query.get("q", "").split())
    typed["q"] = query.get("q", "")
    if len(q) > MAX_QUERY_LENGTH:
        q = q[:MAX_QUERY_LENGTH]
        notices.append(Notice(str(_("The search text was shortened to %(n)s characters.") % {"n": MAX_QUERY_LENGTH})))
    values["q"] = q

    for name, (attribute, allowed, label) in _CHOICE_PARAMS.items():
        kept = []
        for raw in _unique(v.strip() for v in query.getlist(name)[:MAX_VALUES_PER_PARAMETER]):
            if not raw:
                continue
            if (allowed is None and SLUG_RE.match(raw)) or (allowed is not None and raw in allowed):
                kept.append(raw)
            else:
                notices.append(_ignored(raw, str(label)))
        values[attribute] = tuple(kept)

    months = []
    for raw in _unique(v.strip() for v in query.getlist("month")[:MAX_VALUES_PER_PARAMETER]):
        if raw and _parse_month(raw):
            months.append(raw)
        elif raw:
            notices.append(_ignored(raw, str(_("month (YYYY-MM)"))))
    values["months"] = tuple(months)

    for name, attribute in (("from", "date_from"), ("to", "date_to")):
        raw = query.get(name, "").strip()
        typed[name] = raw
        parsed = _parse_date(raw) if raw else None
        if raw and parsed is None:
            notices.append(_ignored(raw, str(_("date (YYYY-MM-DD)"))))
        values[attribute] = parsed
    if values["date_from"] and values["date_to"] and values["date_from"] > values["date_to"]:
        values["date_from"], values["date_to"] = values["date_to"], values["date_from"]
        notices.append(Notice(str(_("The start date was after the end date; the two were swapped."))))

    places = query.get("places", "").strip()
    values["places"] = places == "1"
    if places not in ("", "1"):
        notices.append(_ignored(places, str(_("places option"))))

    sort = query.get("sort", "").strip()
    values["sort"] = sort if sort in (SORT_NEXT, SORT_TITLE) else SORT_NEXT
    if sort and sort not in (SORT_NEXT, SORT_TITLE):
        notices.append(_ignored(sort, str(_("sort order"))))

    page = query.get("page", "").strip()
    values["page"] = 1
    if page:
        if page.isdigit() and int(page) >= 1:
            values["page"] = min(int(page), 10_000)
        else:
            notices.append(_ignored(page, str(_("page number"))))

    return ListingParams(typed=typed, **values), notices
