"""iCalendar feeds of the schedule: a session, a course, the (filtered) catalogue.

The feeds are built in two steps:

1. a selector reads sessions, slots, venues and course pages as plain rows
   (a constant number of queries, whatever the number of sessions) and turns
   them into ``SessionEvents``: everything the feed says about one session;
2. the writer (``courses.calendar_writer``) turns them into RFC 5545 text.

The whole catalogue feed (thousands of sessions, about 20,000 slots) must be
read in a fraction of a second, so the selectors avoid per-value work: rows
come from the database driver without Django's converters (``raw_rows``),
each distinct date and time is converted once, and course URLs are derived
from a sibling's (``page_urls``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import CharField, F, QuerySet
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.models import Page, Site

from catalogue.models import CoursePage
from courses.calendar_writer import (
    REFRESH_INTERVAL,
    TZID,
    UID_DOMAIN,
    FeedLabels,
    SessionEvents,
    SlotTimes,
    slot_components,
    slot_uid,
    write_calendar,
    write_vevents,
)
from courses.models import Session, SessionStatus, TimetableSlot, Venue

__all__ = [
    "FINISHED_GRACE",
    "REFRESH_INTERVAL",
    "TZID",
    "UID_DOMAIN",
    "CourseLink",
    "FeedLabels",
    "SessionEvents",
    "SlotTimes",
    "catalogue_calendar",
    "course_calendar",
    "course_links",
    "current_sessions",
    "feed_sessions",
    "find_course_page",
    "page_urls",
    "session_calendar",
    "slot_components",
    "slot_uid",
    "write_calendar",
    "write_vevents",
]

#: Course and catalogue feeds keep sessions that ended less than this long ago.
FINISHED_GRACE = dt.timedelta(days=30)
#: Beyond this many ids, the catalogue feed reads all current sessions and keeps those (see ``catalogue_calendar``).
LONG_ID_LIST = 500


@dataclass(frozen=True, slots=True)
class CourseLink:
    """A course as a feed shows it: title and absolute URL in the feed's language."""

    title: str
    url: str | None


# --- selectors ------------------------------------------------------------------------------


def raw_rows(queryset: QuerySet) -> list[tuple]:
    """The rows of a ``values_list`` queryset as the database driver returns them.

    Django's converters parse every date, time and datetime one by one (on
    SQLite they arrive as text): for 20,000 slots that costs more than the
    query. The caller converts each distinct value once instead (``Converted``).
    """
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _as_stored(alias: str) -> Callable[[str], Cast | F]:
    """How to select a date or time column as it is stored: as text on SQLite.

    Python's sqlite3 module parses date and time columns value by value (the
    converters Django registers); a cast to text has no declared type, so it
    is left alone and ``Converted`` parses each distinct value once.
    """
    if connections[alias].vendor == "sqlite":
        return lambda name: Cast(name, CharField())
    return F


class Converted(dict):
    """Raw database values mapped to Python values, each distinct one converted once."""

    def __init__(self, convert: Callable) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, raw):
        value = self[raw] = self.convert(raw)
        return value


def _to_date(raw) -> dt.date:
    return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(raw)


def _to_time(raw) -> dt.time:
    return raw if isinstance(raw, dt.time) else dt.time.fromisoformat(raw)


def _to_datetime(raw) -> dt.datetime:
    """An aware datetime: drivers return aware ones, or naive UTC text (SQLite with USE_TZ)."""
    moment = raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(raw)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def feed_sessions(
    *, queryset: QuerySet[Session], request: HttpRequest, language: str, only: Collection[int] | None = None
) -> list[SessionEvents]:
    """Read ``queryset``'s sessions (those with a pk in ``only``, if given) as ``SessionEvents``, soonest first.

    Plain rows rather than model instances: a catalogue feed reads thousands.
    Six queries at most, whatever the number of sessions: sessions, slots,
    venues, course pages, their translations in ``language``, the site.
    """
    stored = _as_stored(queryset.db)
    rows = raw_rows(
        queryset.order_by("starts_at", "code")
        .annotate(updated=stored("updated_at"))
        .values_list("pk", "code", "course_id", "status", "schedule_sequence", "is_online", "venue_id", "updated")
    )
    if only is not None:
        rows = [row for row in rows if row[0] in only]
    if not rows:
        return []
    slot_rows = raw_rows(
        TimetableSlot.objects.filter(session__in=queryset.values("pk"))
        .order_by("session_id", "date", "start_time", "pk")
        .annotate(day=stored("date"), start=stored("start_time"), end=stored("end_time"))
        .values_list("pk", "session_id", "day", "start", "end")
    )
    dates, times = Converted(_to_date), Converted(_to_time)
    slots_by_session = {
        session_id: tuple((pk, dates[date], times[start], times[end]) for pk, _session, date, start, end in group)
        for session_id, group in groupby(slot_rows, itemgetter(1))
        if only is None or session_id in only
    }
    venue_ids = {row[6] for row in rows if row[6]}
    addresses = {venue.pk: venue.one_line_address for venue in Venue.objects.filter(pk__in=venue_ids)}
    courses = course_links(course_ids={row[2] for row in rows}, request=request, language=language)

    with translation.override(language):
        online = _("Online")
    cancelled = SessionStatus.CANCELLED.value
    no_slots = ()
    return [
        SessionEvents(
            code=code,
            sequence=sequence,
            cancelled=status == cancelled,
            summary=f"{courses[course_id].title} — {code}",
            location=addresses.get(venue_id) or (online if is_online else ""),
            course_url=courses[course_id].url,
            last_modified=_to_datetime(updated_at),
            slots=slots_by_session.get(pk, no_slots),
        )
        for pk, code, course_id, status, sequence, is_online, venue_id, updated_at in rows
    ]


def course_links(*, course_ids: Iterable[int], request: HttpRequest, language: str) -> dict[int, CourseLink]:
    """Title and absolute URL of each course, preferring its live translation in ``language``.

    Sessions point at the page they were scheduled on (the French source);
    an English feed links to the English page when it is live. Two queries,
    plus the site of the request (see ``page_urls``).
    """
    pages = list(
        Page.objects.filter(pk__in=set(course_ids)).values_list(
            "pk", "title", "url_path", "translation_key", "locale__language_code"
        )
    )
    keys = {key for _pk, _title, _path, key, page_language in pages if page_language != language}
    translated: dict = {}
    if keys:
        translated = {
            key: (title, url_path)
            for key, title, url_path in Page.objects.live()
            .filter(translation_key__in=keys, locale__language_code=language)
            .values_list("translation_key", "title", "url_path")
        }
    shown = {
        pk: translated.get(key, (title, url_path)) if page_language != language else (title, url_path)
        for pk, title, url_path, key, page_language in pages
    }
    urls = page_urls((url_path for _title, url_path in shown.values()), request)
    return {pk: CourseLink(title=title, url=urls[url_path]) for pk, (title, url_path) in shown.items()}


# A last url_path segment that reverse() and build_absolute_uri() leave as it is.
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9_-]+/\Z")


def _wagtail_url(url_path: str, request: HttpRequest) -> str | None:
    path = Page(url_path=url_path).get_url(request)
    return request.build_absolute_uri(path) if path else None


def page_urls(url_paths: Iterable[str], request: HttpRequest) -> dict[str, str | None]:
    """The absolute URL of each page ``url_path``: ``build_absolute_uri(page.get_url(request))``.

    Asking Wagtail costs about 50 µs a page (a Page instance, a ``reverse()``);
    a catalogue feed links to thousands of courses, nearly all children of
    the listing page. Siblings' URLs differ only by their last segment, so
    one sibling's URL comes from Wagtail and the others' are derived from it,
    when their segment needs no quoting and no site root lies below their
    parent (then Wagtail would pick the same site and language prefix).
    Anything else is asked of Wagtail.
    """
    root_paths = [root.root_path for root in Site.get_site_root_paths()]
    siblings: dict[str, list[str]] = defaultdict(list)
    for url_path in set(url_paths):
        siblings[url_path[: url_path.rstrip("/").rfind("/") + 1]].append(url_path)
    urls: dict[str, str | None] = {}
    for parent, members in siblings.items():
        prefix = None
        plain = {path for path in members if _PLAIN_SEGMENT.match(path, len(parent))}
        if plain and not any(root.startswith(parent) and root != parent for root in root_paths):
            model = min(plain)
            url = urls[model] = _wagtail_url(model, request)
            segment = model[len(parent) :]
            if url and url.endswith("/" + segment):
                prefix = url[: -len(segment)]
        for path in members:
            if path not in urls:
                urls[path] = prefix + path[len(parent) :] if prefix and path in plain else _wagtail_url(path, request)
    return urls


def current_sessions(queryset: QuerySet[Session], *, now: dt.datetime | None = None) -> QuerySet[Session]:
    """Narrow ``queryset`` to upcoming and running sessions, and those ended within the grace period."""
    now = now or timezone.now()
    return queryset.filter(ends_at__gte=now - FINISHED_GRACE)


# --- feeds ----------------------------------------------------------------------------------


def session_calendar(*, session: Session, request: HttpRequest, language: str) -> bytes:
    """The feed of one session, whatever its state."""
    sessions = feed_sessions(queryset=Session.objects.filter(pk=session.pk), request=request, language=language)
    return write_calendar(
        sessions, name=sessions[0].summary, uid=f"session-{session.code}@{UID_DOMAIN}", language=language
    )


def find_course_page(*, slug: str, language: str) -> Page | None:
    """The live course page with ``slug``, in ``language`` if there is one, else in any locale."""
    pages = list(CoursePage.objects.live().filter(slug=slug).select_related("locale"))
    pages.sort(key=lambda page: page.locale.language_code != language)
    return pages[0] if pages else None


def course_calendar(*, page: Page, request: HttpRequest) -> bytes:
    """The feed of a course's current sessions, in the page's language.

    Sessions hang on the source page; translations share its ``translation_key``.
    """
    language = page.locale.language_code
    queryset = current_sessions(Session.objects.filter(course__translation_key=page.translation_key))
    sessions = feed_sessions(queryset=queryset, request=request, language=language)
    return write_calendar(
        sessions, name=page.title, uid=f"course-{page.translation_key}@{UID_DOMAIN}", language=language
    )


def catalogue_calendar(
    *, session_ids: Iterable[int] | QuerySet, request: HttpRequest, language: str, stamp: dt.datetime | None = None
) -> bytes:
    """The feed of the current sessions among ``session_ids`` (the filtered catalogue).

    Thousands of ids are picked out in Python from all current sessions: an
    ``IN`` list that long costs more to compile than the extra rows cost to
    read, and the garbage it leaves behind sets off full collections.
    """
    queryset = current_sessions(Session.objects.all())
    only = None
    if isinstance(session_ids, QuerySet):
        queryset = queryset.filter(pk__in=session_ids)
    else:
        only = set(session_ids)
        if len(only) <= LONG_ID_LIST:
            queryset, only = queryset.filter(pk__in=only), None
    sessions = feed_sessions(queryset=queryset, request=request, language=language, only=only)
    with translation.override(language):
        name = _("ALLyS Formation catalogue")
    return write_calendar(sessions, name=name, uid=f"catalogue@{UID_DOMAIN}", language=language, stamp=stamp)
