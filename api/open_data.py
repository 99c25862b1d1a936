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
listing's query parameters filter both exports; malformed values are ignored
(never a 400). Which sessions are listed: see ``api.open_data_rows`` (every
session not yet ended; with a session filter, only matching sessions not yet
started).

Both are DRF views so that they are described in the OpenAPI schema, with
the API's throttling and error shape (a 405 or 429 is the usual JSON error).
Whatever the ``Accept`` header, the answer is the export (never a 406): the
body is built once, hashed for the ``ETag`` and sent as is.
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
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.http import http_date
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.catalogue_filters import FILTER_PARAMETERS
from api.error_schema import errors
from api.open_data_rows import Feed, FeedCourse, open_data_feed
from api.throttling import AnonThrottle
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
    response = get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
    # Here rather than on the view: a 405 or 429 must not be cached.
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


# --- views ----------------------------------------------------------------

LANG_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=[code for code, _name in settings.LANGUAGES],
    description=gettext_lazy(
        "Language of the export; else Accept-Language, else French. A course without a page in that "
        "language is given in French."
    ),
)
EXPORT_DESCRIPTION = gettext_lazy(
    "Public, no login. Cached by proxies for an hour; ETag (a hash of the body) and Last-Modified allow "
    "conditional requests (304). The courses list's filters narrow the export; malformed values are "
    "ignored, never refused. Sessions listed: every scheduled session not yet ended; with a session filter "
    "(month, from, to, language, price, places), only the matching sessions not yet started. "
    "The Accept header does not change the answer."
)
NOT_MODIFIED = OpenApiResponse(description=gettext_lazy("Not modified since the ETag or date given."))


class AnyAccept(BaseContentNegotiation):
    """Never a 406: the export is sent whatever ``Accept`` says, and errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@method_decorator(login_not_required, name="dispatch")
class _ExportView(APIView):
    """GET and HEAD only; errors (405, 429) in the API's JSON shape, the export whatever ``Accept`` says."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle]
    # Only the errors are rendered (as JSON); the exports are built as they are sent.
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AnyAccept
    http_method_names = ["get", "head"]

    def finalize_response(self, request, response, *args, **kwargs):
        if not isinstance(response, Response):
            # The export goes out with its own headers only (DRF would add ``Allow``).
            self.headers = {}
        return super().finalize_response(request, response, *args, **kwargs)


class CatalogueCsv(_ExportView):
    """``/api/v1/open-data/catalogue.csv``: one row per session of every live course."""

    @extend_schema(
        tags=["open-data"],
        operation_id="open_data_catalogue_csv",
        summary="Catalogue as CSV",
        description=format_lazy(
            "{} {}",
            EXPORT_DESCRIPTION,
            gettext_lazy(
                "Comma-separated, UTF-8 with a BOM, sent as an attachment (allys-catalogue.csv): one row per "
                "session, or one row with empty session columns for a course without any. Multi-valued cells "
                "(themes, partners, languages) are separated by |."
            ),
        ),
        parameters=[LANG_PARAMETER, *FILTER_PARAMETERS],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description=gettext_lazy("The catalogue, one row per session.")
            ),
            304: NOT_MODIFIED,
            **errors(),
        },
    )
    def get(self, request, *args, **kwargs) -> HttpResponse:
        response = _export(request, lambda feed, _now: write_csv(request, feed), "text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{CSV_FILENAME}"'
        return response


class CatalogueJsonld(_ExportView):
    """``/api/v1/open-data/catalogue.jsonld``: the catalogue as a schema.org DataFeed."""

    @extend_schema(
        tags=["open-data"],
        operation_id="open_data_catalogue_jsonld",
        summary="Catalogue as JSON-LD",
        description=format_lazy(
            "{} {}",
            EXPORT_DESCRIPTION,
            gettext_lazy(
                "A schema.org DataFeed whose dataFeedElement lists Course items with their CourseInstance "
                "sessions and Offers."
            ),
        ),
        parameters=[LANG_PARAMETER, *FILTER_PARAMETERS],
        responses={
            (200, "application/ld+json"): OpenApiResponse(
                {
                    "type": "object",
                    "required": ["@context", "@type", "dataFeedElement"],
                    "properties": {
                        "@context": {"type": "string"},
                        "@type": {"type": "string", "enum": ["DataFeed"]},
                        "inLanguage": {"type": "string"},
                        "dateModified": {"type": "string", "format": "date-time"},
                        "dataFeedElement": {"type": "array", "items": {"type": "object"}},
                    },
                },
                description=gettext_lazy("The catalogue as a schema.org DataFeed."),
            ),
            304: NOT_MODIFIED,
            **errors(),
        },
    )
    def get(self, request, *args, **kwargs) -> HttpResponse:
        return _export(request, write_jsonld, "application/ld+json")
