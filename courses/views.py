"""iCalendar views: a session, a course, the (filtered) catalogue.

Access policy: these feeds are PUBLIC. They publish what the catalogue
already shows (dates, places, course links) and nothing about people, so
they need no login (``login_not_required``) and may be cached by proxies.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from courses import calendar, calendar_cache
from courses.listing import catalogue_session_ids
from courses.models import Session

CONTENT_TYPE = "text/calendar; charset=utf-8"
#: Short, so that a rescheduled or cancelled session reaches subscribers quickly.
MAX_AGE = 300


def feed_language(request: HttpRequest) -> str:
    """The feed's language: ``?lang=en`` when given and supported, else the active language.

    ``/calendar/`` is outside the language-prefixed URLs, so the active
    language there is French whatever the browser says (and calendar
    clients rarely send Accept-Language anyway): links from the English
    site add ``lang=en``. A course feed uses its page's language instead.
    """
    requested = request.GET.get("lang", "")
    if requested in dict(settings.LANGUAGES):
        return requested
    return translation.get_supported_language_variant(translation.get_language() or settings.LANGUAGE_CODE)


def ics_response(body: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_not_required
@require_safe
@cache_control(public=True, max_age=MAX_AGE)
def session_ics(request: HttpRequest, code: str) -> HttpResponse:
    """``/calendar/sessions/<code>.ics``: every slot of one session, whatever its state."""
    session = get_object_or_404(Session, code=code)
    body = calendar.session_calendar(session=session, request=request, language=feed_language(request))
    return ics_response(body, filename=f"{session.code}.ics")


@login_not_required
@require_safe
@cache_control(public=True, max_age=MAX_AGE)
def course_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """``/calendar/courses/<slug>.ics``: the current sessions of a course, in the page's language."""
    page = calendar.find_course_page(slug=slug, language=feed_language(request))
    if page is None:
        raise Http404("No live course with this slug.")
    return ics_response(calendar.course_calendar(page=page, request=request), filename=f"{page.slug}.ics")


@login_not_required
@require_safe
@cache_control(public=True, max_age=MAX_AGE)
def catalogue_ics(request: HttpRequest) -> HttpResponse:
    """``/calendar/catalogue.ics``: current sessions of the catalogue, filtered like the listing.

    The body is kept in memory until its data changes (``courses.calendar_cache``);
    it carries an ETag and a Last-Modified date, and a client that already
    has it gets a 304 Not Modified.
    """
    language = feed_language(request)
    session_ids = catalogue_session_ids(request.GET, language=language)
    feed = calendar_cache.catalogue_feed(session_ids=session_ids, request=request, language=language)
    response = ics_response(feed.body, filename="catalogue-allys.ics")
    response["ETag"] = feed.etag
    response["Last-Modified"] = http_date(feed.written_at.timestamp())
    last_modified = int(feed.written_at.timestamp())
    return get_conditional_response(request, etag=feed.etag, last_modified=last_modified, response=response)
