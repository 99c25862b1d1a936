"""Light, immutable rows for the whole catalogue, built in a handful of queries and cached.

The listing filters, counts and sorts in Python over these rows, so the
number of queries per request does not grow with the catalogue. Rows are
kept in process memory, keyed by language and a cheap version stamp (see
``courses.listing.snapshot``), so a warm request reads no course or session.

What changes the stamp: publishing, unpublishing or deleting any page (in
any language), saving or deleting a session (``updated_at``), a change of
``places_taken``, and adding or removing price tiers. Bulk ``update()`` calls
that touch other session columns must also touch ``updated_at``. Saves and
deletions made in this process invalidate the rows too (``courses.changes``).
"""

from __future__ import annotations

import datetime as dt
import threading
import unicodedata
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import CharField, FilteredRelation, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone

from catalogue.blocks import syllabus_total_hours
from catalogue.models import CoursePage
from courses.availability import SessionState, SessionTimes, places_left, session_state
from courses.changes import local_changes
from courses.listing.filters import DURATION_BUCKETS, PRICE_BUCKETS, bucket_for
from courses.models import PriceTier, PriceTierKind, Session, SessionStatus

PARIS = ZoneInfo("Europe/Paris")
# The course-level facets, in the order of CourseRow.facet_values.
COURSE_FACETS = ("theme", "partner", "format", "level", "duration")


@dataclass(frozen=True, slots=True)
class SessionRow:
    """An upcoming session, with what filtering and a result card need."""

    id: int
    starts_at: dt.datetime
    month: str  # YYYY-MM in Europe/Paris
    start_date: dt.date  # in Europe/Paris
    times: SessionTimes
    cancelled: bool
    places_left: int
    languages: frozenset[str]
    price: Decimal | None  # individual tier incl. tax, else the course's price_from
    price_bucket: str | None
    city: str
    is_online: bool

    def state(self, now: dt.datetime) -> SessionState:
        return session_state(now=now, times=self.times, cancelled=self.cancelled, places_left=self.places_left)


@dataclass(frozen=True, slots=True)
class CourseRow:
    """One course (all its translations), shown through one page in the row's language."""

    key: str  # the pages' translation_key
    page_id: int
    locale: str  # language code of the page shown
    url_path: str  # Wagtail's url_path, turned into a URL with the request's cached site root paths
    title: str
    sort_title: str
    summary: str
    format: str
    level: str
    hours: Decimal | None
    duration_bucket: str | None
    languages: tuple[str, ...]  # the course's, then its upcoming sessions'
    theme_keys: frozenset[str]  # Theme.translation_key
    partner_ids: frozenset[int]
    price_from: Decimal | None
    price_bucket: str | None  # of price_from, used when no session is upcoming
    sessions: tuple[SessionRow, ...]  # upcoming at build time (cancelled too), by start
    facet_values: tuple[tuple, ...] = field(init=False)  # values per COURSE_FACETS

    def __post_init__(self):
        values = (
            tuple(sorted(self.theme_keys)),
            tuple(sorted(self.partner_ids)),
            (self.format,),
            (self.level,),
            (self.duration_bucket,) if self.duration_bucket else (),
        )
        object.__setattr__(self, "facet_values", values)


@dataclass(frozen=True)
class Catalogue:
    """All course rows in one language, and a map from any live page id to its course key."""

    rows: tuple[CourseRow, ...]
    key_by_page_id: dict[int, str]
    # Per-moment derived data (see courses.listing.upcoming), kept with the rows it derives from.
    memo: dict = field(default_factory=dict, compare=False, repr=False)


def sort_title(title: str) -> str:
    """Title folded for sorting: accents removed, case-insensitive."""
    decomposed = unicodedata.normalize("NFKD", title)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# --- building -------------------------------------------------------------


def _individual_price(amount, tax_included, vat_exempt, vat_rate) -> Decimal | None:
    if amount is None:
        return None
    tier = PriceTier(amount=amount, tax_included=tax_included, vat_exempt=vat_exempt, vat_rate=vat_rate)
    return tier.amount_incl_tax


def _session_rows(now: dt.datetime) -> dict[str, list[tuple]]:
    """Upcoming sessions (cancelled too) grouped by their course's translation key."""
    rows = (
        Session.objects.filter(starts_at__gte=now)
        .annotate(individual=FilteredRelation("price_tiers", condition=Q(price_tiers__kind=PriceTierKind.INDIVIDUAL)))
        .order_by("starts_at", "id")
        .values_list(
            "id",
            "course__translation_key",
            "status",
            "starts_at",
            "ends_at",
            "enrolment_opens_at",
            "enrolment_closes_at",
            "course__access_delay_days",
            "capacity",
            "places_taken",
            "languages",
            "is_online",
            "venue__city",
            "individual__amount",
            "individual__tax_included",
            "individual__vat_exempt",
            "individual__vat_rate",
        )
    )
    by_key: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        by_key[str(row[1])].append(row)
    return by_key


def _make_session(raw: tuple, course_languages: tuple[str, ...], price_from: Decimal | None) -> SessionRow:
    (pk, _key, status, starts, ends, opens, closes, delay, capacity, taken, languages, online, city, *tier) = raw
    local_start = starts.astimezone(PARIS)
    price = _individual_price(*tier)
    if price is None:
        price = price_from
    return SessionRow(
        id=pk,
        starts_at=starts,
        month=f"{local_start:%Y-%m}",
        start_date=local_start.date(),
        times=SessionTimes(
            starts_at=starts,
            ends_at=ends,
            enrolment_opens_at=opens,
            # Same rule as Session.effective_enrolment_closes_at.
            enrolment_closes_at=closes or starts - dt.timedelta(days=delay or 0),
        ),
        cancelled=status == SessionStatus.CANCELLED,
        places_left=places_left(capacity=capacity, taken=taken),
        languages=frozenset(languages or course_languages),
        price=price,
        price_bucket=bucket_for(price, PRICE_BUCKETS),
        city=city or "",
        is_online=bool(online),
    )


def _links() -> tuple[dict[int, set[str]], dict[int, set[int]]]:
    """Theme keys and partner ids of every live course page (one query)."""
    theme_links = CoursePage.themes.through.objects.filter(coursepage__live=True).values_list(
        Value("theme"), "coursepage_id", Cast("theme__translation_key", CharField())
    )
    partner_links = CoursePage.partners.through.objects.filter(coursepage__live=True).values_list(
        Value("partner"), "coursepage_id", Cast("partner_id", CharField())
    )
    themes: dict[int, set[str]] = defaultdict(set)
    partners: dict[int, set[int]] = defaultdict(set)
    for kind, page_id, value in theme_links.union(partner_links, all=True):
        if kind == "theme":
            themes[page_id].add(str(uuid.UUID(value)))
        else:
            partners[page_id].add(int(value))
    return themes, partners


def _pick_page(pages: list[dict], language: str) -> dict:
    """The page in ``language`` if live, else the default language's, else the oldest."""
    by_language = {page["locale__language_code"]: page for page in pages}
    return by_language.get(language) or by_language.get(settings.LANGUAGE_CODE) or min(pages, key=lambda p: p["id"])


def build_catalogue(language: str, *, now: dt.datetime | None = None) -> Catalogue:
    """Read the whole catalogue in three queries and return its rows in ``language``."""
    now = now or timezone.now()
    pages = list(
        CoursePage.objects.live()
        .order_by("id")
        .values(
            "id",
            "translation_key",
            "locale__language_code",
            "url_path",
            "title",
            "summary",
            "format",
            "level",
            "duration_hours",
            "syllabus",
            "languages",
            "price_from",
        )
    )
    themes, partners = _links()
    sessions = _session_rows(now)

    grouped: dict[str, list[dict]] = defaultdict(list)
    for page in pages:
        grouped[str(page["translation_key"])].append(page)

    rows = []
    for key, variants in grouped.items():
        page = _pick_page(variants, language)
        course_languages = tuple(page["languages"] or ())
        session_rows = tuple(_make_session(raw, course_languages, page["price_from"]) for raw in sessions.get(key, ()))
        hours = page["duration_hours"] or syllabus_total_hours(page["syllabus"]) or None
        languages = list(course_languages)
        for session in session_rows:
            if not session.cancelled:
                languages.extend(lang for lang in sorted(session.languages) if lang not in languages)
        rows.append(
            CourseRow(
                key=key,
                page_id=page["id"],
                locale=page["locale__language_code"],
                url_path=page["url_path"],
                title=page["title"],
                sort_title=sort_title(page["title"]),
                summary=page["summary"],
                format=page["format"],
                level=page["level"],
                hours=hours,
                duration_bucket=bucket_for(hours, DURATION_BUCKETS),
                languages=tuple(languages),
                theme_keys=frozenset(themes.get(page["id"], ())),
                partner_ids=frozenset(partners.get(page["id"], ())),
                price_from=page["price_from"],
                price_bucket=bucket_for(page["price_from"], PRICE_BUCKETS),
                sessions=session_rows,
            )
        )
    rows.sort(key=lambda row: (row.sort_title, row.key))
    return Catalogue(rows=tuple(rows), key_by_page_id={page["id"]: str(page["translation_key"]) for page in pages})


# --- cache ----------------------------------------------------------------

_cache: dict[str, tuple[tuple, Catalogue]] = {}
_lock = threading.Lock()


def get_catalogue(language: str, stamp: tuple) -> Catalogue:
    """The catalogue rows in ``language``, rebuilt only when the version ``stamp`` changed."""
    version = (stamp, local_changes())
    cached = _cache.get(language)
    if cached is not None and cached[0] == version:
        return cached[1]
    catalogue = build_catalogue(language)
    with _lock:
        _cache[language] = (version, catalogue)
    return catalogue


def clear_cache() -> None:
    """Forget every cached catalogue (tests, benchmarks)."""
    with _lock:
        _cache.clear()
