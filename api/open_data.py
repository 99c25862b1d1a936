"""The catalogue as open data, for regional training-offer portals.

- ``/api/v1/open-data/catalogue.csv``: comma-separated, UTF-8 with a BOM,
  one row per upcoming session (one row with empty session columns for a
  course without any);
- ``/api/v1/open-data/catalogue.jsonld``: a schema.org ``DataFeed`` of
  ``Course`` items with their ``CourseInstance``s and ``Offer``s (the same
  builders as the course pages' JSON-LD, ``catalogue.seo``).

Access policy: PUBLIC, read-only. They publish what the catalogue pages
already show and nothing about people, so they need no login and may be
cached by proxies for an hour. French by default; ``?lang=en`` (or
``Accept-Language: en``) gives the English pages where they exist. The
listing's query parameters filter both exports.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from api.open_data_rows import Feed, FeedCourse, open_data_feed
from catalogue.seo import SCHEMA, course_instance, course_jsonld, course_mode, iso_datetime, plain_text
from courses.models import PriceTierKind, Session

MAX_AGE = 3600
CSV_FILENAME = "allys-catalogue.csv"
CSV_COLUMNS = (
    "course_title",
    "course_url",
    "course_slug",
    "themes",
    "partners",
    "level",
    "hours",
    "objectives",
    "prerequisites",
    "session_code",
    "start",
    "end",
    "format",
    "city",
    "venue",
    "languages",
    "places_left",
    "price_individual_incl_tax",
    "price_employer_excl_tax",
    "currency",
    "enrol_url",
)
#: Separates the values of a multi-valued CSV cell (themes, partners, languages).
LIST_SEPARATOR = "|"


def feed_language(request: HttpRequest) -> str:
    """``?lang=`` when it names a site language, else the request's (``api.middleware``: Accept-Language)."""
    requested = request.GET.get("lang", "")
    if requested in dict(settings.LANGUAGES):
        return requested
    return translation.get_language()


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _tier(session: Session, kind: str):
    return next((tier for tier in session.price_tiers.all() if tier.kind == kind), None)


def _enrol_url(request: HttpRequest, session: Session) -> str:
    return request.build_absolute_uri(reverse("enrol:choose", kwargs={"code": session.code}))


def _course_cells(course: FeedCourse) -> list[str]:
    page = course.page
    hours = page.total_hours
    return [
        page.title,
        course.url,
        page.slug,
        LIST_SEPARATOR.join(theme.name for theme in page.themes.all()),
        LIST_SEPARATOR.join(partner.name for partner in page.partners.all()),
        page.level,
        "" if hours is None else f"{hours.normalize():f}",
        plain_text(page.objectives),
        plain_text(page.prerequisites),
    ]


def _session_cells(request: HttpRequest, course: FeedCourse, session: Session) -> list[Any]:
    individual = _tier(session, PriceTierKind.INDIVIDUAL)
    employer = _tier(session, PriceTierKind.EMPLOYER)
    venue = session.venue
    return [
        session.code,
        iso_datetime(session.starts_at),
        iso_datetime(session.ends_at),
        course_mode(session),
        venue.city if venue else "",
        venue.name if venue else "",
        LIST_SEPARATOR.join(session.languages or course.page.languages or ()),
        session.places_left,
        _amount(individual.amount_incl_tax if individual else None),
        _amount(employer.amount_excl_tax if employer else None),
        "EUR",
        _enrol_url(request, session),
    ]


def write_csv(request: HttpRequest, feed: Feed) -> bytes:
    """The feed as a comma-separated file, UTF-8 with a BOM so that spreadsheets read accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    empty_session = [""] * (len(CSV_COLUMNS) - 9)
    for course in feed.courses:
        cells = _course_cells(course)
        if not course.sessions:
            writer.writerow(cells + empty_session)
        for session in course.sessions:
            writer.writerow(cells + _session_cells(request, course, session))
    return buffer.getvalue().encode("utf-8-sig")


def _course_item(course: FeedCourse, now: dt.datetime) -> dict[str, Any]:
    item = course_jsonld(course.page, (), url=course.url, now=now)
    item.pop("@context", None)
    item["identifier"] = course.page.slug
    item["provider"] = {**item["provider"], "@type": "EducationalOrganization"}
    # Running sessions stay listed (they have not ended), unlike on the course page.
    item["hasCourseInstance"] = [course_instance(session, url=course.url, now=now) for session in course.sessions]
    return item


def write_jsonld(feed: Feed, now: dt.datetime) -> bytes:
    """The feed as a schema.org DataFeed of Course items."""
    data = {
        "@context": SCHEMA,
        "@type": "DataFeed",
        "name": _("ALLyS Formation course catalogue"),
        "inLanguage": feed.language,
        "dateModified": iso_datetime(feed.last_modified or now),
        "provider": {
            "@type": "EducationalOrganization",
            "name": settings.ALLYS_ORGANISATION_NAME,
            "url": settings.ALLYS_ORGANISATION_URL,
        },
        "dataFeedElement": [_course_item(course, now) for course in feed.courses],
    }
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


def _export(request: HttpRequest, write: Callable[[Feed, dt.datetime], bytes], content_type: str) -> HttpResponse:
    """Build the body, then answer 304 when the client's ETag or date still holds."""
    language = feed_language(request)
    now = timezone.now()
    with translation.override(language):
        feed = open_data_feed(request=request, language=language, now=now)
        body = write(feed, now)
    # The body itself is hashed: a session that ends or a course unpublished changes it
    # without changing any modification date.
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    last_modified = int((feed.last_modified or now).timestamp())
    response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language"])
    return get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)


@login_not_required
@require_safe
@cache_control(public=True, max_age=MAX_AGE)
def catalogue_csv(request: HttpRequest) -> HttpResponse:
    """``/api/v1/open-data/catalogue.csv``: one row per upcoming session of every live course."""
    response = _export(request, lambda feed, _now: write_csv(request, feed), "text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{CSV_FILENAME}"'
    return response


@login_not_required
@require_safe
@cache_control(public=True, max_age=MAX_AGE)
def catalogue_jsonld(request: HttpRequest) -> HttpResponse:
    """``/api/v1/open-data/catalogue.jsonld``: the catalogue as a schema.org DataFeed."""
    return _export(request, write_jsonld, "application/ld+json")
