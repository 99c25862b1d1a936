"""The catalogue API's filters: the listing's query parameters, checked strictly, and their schema.

The API accepts the parameters of ``/formations/`` (see
``courses.listing.filters``) and runs the listing's own engine over its
cached rows, so filtering costs no query beyond the listing's (the version
stamp, and the text search when there is one). Unlike the page, which
ignores malformed input with a notice, the API refuses it with a 400 and
per-field messages: a program should learn that its request was wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from catalogue.choices import CourseFormat, CourseLevel, Language
from courses.listing.context import resolve, results
from courses.listing.facets import Match
from courses.listing.filters import (
    DURATION_BUCKETS,
    MAX_QUERY_LENGTH,
    MAX_VALUES_PER_PARAMETER,
    PRICE_BUCKETS,
    SLUG_RE,
    SORT_NEXT,
    SORT_TITLE,
    parse_params,
)
from courses.listing.rows import Catalogue, get_catalogue
from courses.listing.snapshot import Snapshot, read_snapshot

MONTH_PATTERN = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"
COURSE_ORDERINGS = (SORT_NEXT, SORT_TITLE)
SESSION_ORDERINGS = ("starts_at", "-starts_at")
_REPEATABLE = {
    "theme": None,
    "partner": None,
    "format": CourseFormat.values,
    "language": Language.values,
    "level": CourseLevel.values,
    "price": [bucket.key for bucket in PRICE_BUCKETS],
    "duration": [bucket.key for bucket in DURATION_BUCKETS],
}


def _check_values(query: QueryDict, name: str, allowed) -> list[str]:
    values = query.getlist(name)
    if len(values) > MAX_VALUES_PER_PARAMETER:
        raise serializers.ValidationError(
            {name: [_("At most %(n)s values are accepted.") % {"n": MAX_VALUES_PER_PARAMETER}]}
        )
    for value in values:
        if allowed is None and not SLUG_RE.match(value):
            raise serializers.ValidationError({name: [_("“%(value)s” is not a valid slug.") % {"value": value[:80]}]})
        if allowed is not None and value not in allowed:
            raise serializers.ValidationError(
                {
                    name: [
                        _("“%(value)s” is not one of: %(choices)s.")
                        % {"value": value[:80], "choices": ", ".join(allowed)}
                    ]
                }
            )
    return values


def _check_date(query: QueryDict, name: str) -> None:
    raw = query.get(name)
    if raw is None:
        return
    try:
        if len(raw) != 10:
            raise ValueError
        dt.date.fromisoformat(raw)
    except ValueError:
        raise serializers.ValidationError({name: [_("Enter a date as YYYY-MM-DD.")]}) from None


def validate_query(query: QueryDict, *, orderings: tuple[str, ...]) -> str:
    """Refuse malformed filter values (400); return the ordering asked for (the first allowed by default)."""
    for name, allowed in _REPEATABLE.items():
        _check_values(query, name, allowed)
    for month in query.getlist("month"):
        if not re.match(MONTH_PATTERN, month):
            raise serializers.ValidationError({"month": [_("Enter a month as YYYY-MM.")]})
    _check_date(query, "from")
    _check_date(query, "to")
    if len(query.get("q", "")) > MAX_QUERY_LENGTH:
        raise serializers.ValidationError({"q": [_("Enter at most %(n)s characters.") % {"n": MAX_QUERY_LENGTH}]})
    if query.get("places", "1") not in ("0", "1"):
        raise serializers.ValidationError({"places": [_("Enter 1 (places left only) or 0.")]})
    ordering = query.get("ordering", orderings[0])
    if ordering not in orderings:
        raise serializers.ValidationError(
            {
                "ordering": [
                    _("“%(value)s” is not one of: %(choices)s.")
                    % {"value": ordering[:80], "choices": ", ".join(orderings)}
                ]
            }
        )
    return ordering


@dataclass(frozen=True)
class Filtered:
    """The matching courses in the asked order, with what was read to find them."""

    matches: list[Match]
    snapshot: Snapshot
    catalogue: Catalogue
    now: dt.datetime


def filter_catalogue(query: QueryDict, *, language: str, ordering: str, snapshot: Snapshot | None = None) -> Filtered:
    """Courses matching the listing's filters, in ``ordering`` (``next`` or ``title``)."""
    now = timezone.now()
    params, _notices = parse_params(query)
    snapshot = snapshot or read_snapshot(language)
    catalogue = get_catalogue(language, snapshot.stamp)
    _params, selection, _more = resolve(params, snapshot.lookups, catalogue)
    _outcome, matches = results(catalogue, selection, ordering, now)
    return Filtered(matches=matches, snapshot=snapshot, catalogue=catalogue, now=now)


# --- schema ---------------------------------------------------------------


def _repeatable(name: str, description, enum=None) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {
            "type": "array",
            "maxItems": MAX_VALUES_PER_PARAMETER,
            "items": {"type": "string", **({"enum": list(enum)} if enum else {"pattern": SLUG_RE.pattern})},
        },
        OpenApiParameter.QUERY,
        description=str(description),
        explode=True,
        style="form",
    )


FILTER_PARAMETERS = [
    OpenApiParameter(
        "q",
        {"type": "string", "maxLength": MAX_QUERY_LENGTH},
        OpenApiParameter.QUERY,
        description=str(_("Full-text search (French stemming); every word must match. At most 200 characters.")),
    ),
    _repeatable("theme", _("Theme slug (repeatable; values are OR-ed).")),
    _repeatable("partner", _("Partner slug (repeatable).")),
    _repeatable("format", _("Course format (repeatable)."), CourseFormat.values),
    _repeatable("language", _("Language of an upcoming session (repeatable)."), Language.values),
    _repeatable("level", _("Course level (repeatable)."), CourseLevel.values),
    _repeatable(
        "price",
        _("Self-funded individual price incl. tax of an upcoming session (repeatable)."),
        [bucket.key for bucket in PRICE_BUCKETS],
    ),
    _repeatable("duration", _("Total hours of the course (repeatable)."), [bucket.key for bucket in DURATION_BUCKETS]),
    OpenApiParameter(
        "month",
        {"type": "array", "maxItems": MAX_VALUES_PER_PARAMETER, "items": {"type": "string", "pattern": MONTH_PATTERN}},
        OpenApiParameter.QUERY,
        explode=True,
        style="form",
        description=str(_("YYYY-MM: an upcoming session starts that month, Europe/Paris (repeatable).")),
    ),
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        OpenApiParameter.QUERY,
        description=str(_("An upcoming session starts on or after this date (Europe/Paris).")),
    ),
    OpenApiParameter(
        "to",
        OpenApiTypes.DATE,
        OpenApiParameter.QUERY,
        description=str(_("An upcoming session starts on or before this date (Europe/Paris).")),
    ),
    OpenApiParameter(
        "places",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        enum=["0", "1"],
        description=str(_("1: only with a session open for enrolment with places left.")),
    ),
]


def ordering_parameter(orderings: tuple[str, ...], description) -> OpenApiParameter:
    return OpenApiParameter(
        "ordering", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=list(orderings), description=str(description)
    )
