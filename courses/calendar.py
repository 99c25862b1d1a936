"""iCalendar feeds of the schedule: one VEVENT per timetable slot.

The feeds are built in two steps:

1. a selector reads sessions, slots, venues and course pages as plain rows
   (a constant number of queries, whatever the number of sessions) and turns
   them into ``SessionEvents``: everything the feed says about one session;
2. a writer turns them into RFC 5545 text.

The calendar envelope and the ``VTIMEZONE`` come from icalendar's typed API
(``Calendar.new``, ``Timezone.from_tzid``). The ``VEVENT`` blocks are written
by ``write_vevents``: building icalendar ``Event`` objects costs about 0.25 ms
per event, which makes a catalogue feed of 15,000 slots take seconds, while
the writer needs a few microseconds. ``slot_components`` builds the same
events with ``Event.new``; it is the reference the writer is tested against,
and the way to get events as objects (for invitations, for example).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, vDuration
from icalendar.enums import STATUS
from wagtail.models import Page

from catalogue.models import CoursePage
from courses.models import PARIS, Session, SessionStatus, TimetableSlot, Venue

TZID = "Europe/Paris"
#: Domain part of every UID: UIDs must not change when the site's host does.
UID_DOMAIN = "formation.allys.fr"
#: Course and catalogue feeds keep sessions that ended less than this long ago.
FINISHED_GRACE = dt.timedelta(days=30)
#: How often subscribed clients should refresh (REFRESH-INTERVAL, X-PUBLISHED-TTL).
REFRESH_INTERVAL = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class SlotTimes:
    """One timetable slot: its primary key and its Europe/Paris wall-clock times."""

    pk: int
    date: dt.date
    start_time: dt.time
    end_time: dt.time


@dataclass(frozen=True, slots=True)
class SessionEvents:
    """What a feed says about one session; each slot becomes one VEVENT."""

    code: str
    sequence: int
    cancelled: bool
    summary: str
    location: str
    course_url: str | None
    last_modified: dt.datetime
    slots: tuple[SlotTimes, ...]


@dataclass(frozen=True, slots=True)
class CourseLink:
    """A course as a feed shows it: title and absolute URL in the feed's language."""

    title: str
    url: str | None


def slot_uid(slot_pk: int, code: str) -> str:
    """The UID of a slot's event: stable when the slot's date or time changes."""
    return f"slot-{slot_pk}.{code}@{UID_DOMAIN}"


class FeedLabels:
    """The translated words of one feed, looked up once: gettext costs microseconds per call."""

    __slots__ = ("_day", "cancelled")

    def __init__(self) -> None:
        self._day = _("Day %(number)s/%(count)s")
        self.cancelled = _("This session is cancelled.")

    def day(self, number: int, count: int) -> str:
        return self._day % {"number": number, "count": count}


def session_description_lines(events: SessionEvents, labels: FeedLabels) -> list[str]:
    """The DESCRIPTION lines every slot of the session shares, after its day number."""
    lines = [labels.cancelled] if events.cancelled else []
    if events.course_url:
        lines.append(events.course_url)
    return lines


def slot_description(events: SessionEvents, number: int, labels: FeedLabels) -> str:
    """The DESCRIPTION of the ``number``-th slot (1-based): day, cancellation, course link."""
    return "\n".join([labels.day(number, len(events.slots)), *session_description_lines(events, labels)])


# --- selectors ------------------------------------------------------------------------------


def feed_sessions(*, queryset: QuerySet[Session], request: HttpRequest, language: str) -> list[SessionEvents]:
    """Read ``queryset``'s sessions and slots as ``SessionEvents``, soonest first.

    Plain rows rather than model instances: a catalogue feed reads thousands.
    Six queries at most, whatever the number of sessions: sessions, slots,
    venues, course pages, their translations in ``language``, the site.
    """
    rows = list(
        queryset.order_by("starts_at", "code").values_list(
            "pk", "code", "course_id", "status", "schedule_sequence", "is_online", "venue_id", "updated_at"
        )
    )
    if not rows:
        return []
    slots_by_session: dict[int, list[SlotTimes]] = defaultdict(list)
    slot_rows = (
        TimetableSlot.objects.filter(session__in=queryset.values("pk"))
        .order_by("session_id", "date", "start_time", "pk")
        .values_list("pk", "session_id", "date", "start_time", "end_time")
    )
    for pk, session_id, date, start_time, end_time in slot_rows:
        slots_by_session[session_id].append(SlotTimes(pk, date, start_time, end_time))
    venue_ids = {row[6] for row in rows if row[6]}
    addresses = {venue.pk: venue.one_line_address for venue in Venue.objects.filter(pk__in=venue_ids)}
    courses = course_links(course_ids={row[2] for row in rows}, request=request, language=language)

    with translation.override(language):
        online = _("Online")
        result = []
        for pk, code, course_id, status, sequence, is_online, venue_id, updated_at in rows:
            course = courses[course_id]
            location = addresses.get(venue_id) or (online if is_online else "")
            result.append(
                SessionEvents(
                    code=code,
                    sequence=sequence,
                    cancelled=status == SessionStatus.CANCELLED,
                    summary=f"{course.title} — {code}",
                    location=location,
                    course_url=course.url,
                    last_modified=updated_at,
                    slots=tuple(slots_by_session.get(pk, ())),
                )
            )
    return result


def course_links(*, course_ids: Iterable[int], request: HttpRequest, language: str) -> dict[int, CourseLink]:
    """Title and absolute URL of each course, preferring its live translation in ``language``.

    Sessions point at the page they were scheduled on (the French source);
    an English feed links to the English page when it is live. Two queries,
    plus the site of the request: URLs come from each page's ``url_path``
    and Wagtail's site root paths, which are cached on the request.
    """
    pages = {page.pk: page for page in Page.objects.filter(pk__in=set(course_ids)).select_related("locale")}
    keys = {page.translation_key for page in pages.values() if page.locale.language_code != language}
    translated: dict = {}
    if keys:
        translated = {
            page.translation_key: page
            for page in Page.objects.live().filter(translation_key__in=keys, locale__language_code=language)
        }
    links = {}
    for pk, page in pages.items():
        shown = page if page.locale.language_code == language else translated.get(page.translation_key, page)
        path = shown.get_url(request)
        links[pk] = CourseLink(title=shown.title, url=request.build_absolute_uri(path) if path else None)
    return links


def current_sessions(queryset: QuerySet[Session], *, now: dt.datetime | None = None) -> QuerySet[Session]:
    """Narrow ``queryset`` to upcoming and running sessions, and those ended within the grace period."""
    now = now or timezone.now()
    return queryset.filter(ends_at__gte=now - FINISHED_GRACE)


# --- writer ---------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 sequence (RFC 5545 §3.1)."""
    if len(line) <= 75 and (line.isascii() or len(line.encode()) <= 75):
        return line + "\r\n"
    if line.isascii():
        parts = [line[:75]] + [line[i : i + 74] for i in range(75, len(line), 74)]
        return "\r\n ".join(parts) + "\r\n"
    parts, current, size, limit = [], [], 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts) + "\r\n"


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


# A feed has few distinct dates and times: format each once.
@lru_cache(maxsize=4096)
def _date(date: dt.date) -> str:
    return date.strftime("%Y%m%d")


@lru_cache(maxsize=1024)
def _time(time: dt.time) -> str:
    return time.strftime("T%H%M%S")


def write_vevents(events: SessionEvents, *, dtstamp: str, labels: FeedLabels) -> Iterator[str]:
    """Yield the VEVENT blocks of one session as RFC 5545 text (CRLF line endings).

    ``dtstamp`` is the feed's ``DTSTAMP`` line. What all slots of the session
    share is escaped and folded once; the description is ``slot_description``
    escaped piece by piece (escaping commutes with joining on a newline).
    """
    code = _escape(events.code)
    shared = "".join(
        [
            dtstamp,
            f"SEQUENCE:{events.sequence}\r\n",
            f"STATUS:{STATUS.CANCELLED if events.cancelled else STATUS.CONFIRMED}\r\n",
            _fold(f"SUMMARY:{_escape(events.summary)}"),
            _fold(f"LOCATION:{_escape(events.location)}") if events.location else "",
            _fold(f"URL:{events.course_url}") if events.course_url else "",
            f"LAST-MODIFIED:{_utc(events.last_modified)}\r\n",
        ]
    )
    description_tail = "".join("\\n" + _escape(line) for line in session_description_lines(events, labels))
    count = len(events.slots)
    for number, slot in enumerate(events.slots, start=1):
        date = _date(slot.date)
        yield "".join(
            [
                "BEGIN:VEVENT\r\n",
                _fold(f"UID:slot-{slot.pk}.{code}@{UID_DOMAIN}"),
                f"DTSTART;TZID={TZID}:{date}{_time(slot.start_time)}\r\n",
                f"DTEND;TZID={TZID}:{date}{_time(slot.end_time)}\r\n",
                shared,
                _fold(f"DESCRIPTION:{_escape(labels.day(number, count))}{description_tail}"),
                "END:VEVENT\r\n",
            ]
        )


def slot_components(events: SessionEvents, *, stamp: dt.datetime) -> list[Event]:
    """The session's events built with icalendar's typed ``Event.new``.

    Same content as ``write_vevents``; must be called with the feed's language active.
    """
    labels = FeedLabels()
    return [
        Event.new(
            uid=slot_uid(slot.pk, events.code),
            stamp=stamp,
            start=dt.datetime.combine(slot.date, slot.start_time, tzinfo=PARIS),
            end=dt.datetime.combine(slot.date, slot.end_time, tzinfo=PARIS),
            sequence=events.sequence,
            status=STATUS.CANCELLED if events.cancelled else STATUS.CONFIRMED,
            summary=events.summary,
            location=events.location or None,
            url=events.course_url,
            last_modified=events.last_modified,
            description=slot_description(events, number, labels),
        )
        for number, slot in enumerate(events.slots, start=1)
    ]


@lru_cache(maxsize=32)
def paris_vtimezone(first_date: dt.date, last_date: dt.date) -> bytes:
    """The ``VTIMEZONE`` of Europe/Paris, bounded to the dates a feed uses.

    This is what ``Calendar.add_missing_timezones(first_date=…, last_date=…)``
    adds, without walking every event to find the TZIDs in use; cached, since
    many feeds share the same bounds.
    """
    return Timezone.from_tzid(TZID, first_date=first_date, last_date=last_date).to_ical()


def write_calendar(
    sessions: list[SessionEvents], *, name: str, uid: str, language: str, stamp: dt.datetime | None = None
) -> bytes:
    """The whole ``VCALENDAR`` (METHOD:PUBLISH) for ``sessions``, as UTF-8 bytes."""
    stamp = stamp or timezone.now()
    calendar = Calendar.new(
        prodid=f"-//ALLyS//ALLyS Formation//{language.upper()}",
        calscale="GREGORIAN",
        method="PUBLISH",
        name=name,
        uid=uid,
        refresh_interval=REFRESH_INTERVAL,
    )
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"  # required by RFC 7986
    calendar.add("X-WR-TIMEZONE", TZID)
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH_INTERVAL))  # Outlook's refresh hint
    end = b"END:VCALENDAR\r\n"
    envelope = calendar.to_ical().removesuffix(end)
    dates = [slot.date for events in sessions for slot in events.slots]
    with translation.override(language):
        labels = FeedLabels()
        dtstamp = f"DTSTAMP:{_utc(stamp)}\r\n"
        body = "".join(block for events in sessions for block in write_vevents(events, dtstamp=dtstamp, labels=labels))
    timezone_block = paris_vtimezone(min(dates), max(dates) + dt.timedelta(days=1)) if dates else b""
    return b"".join([envelope, timezone_block, body.encode(), end])


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


def catalogue_calendar(*, session_ids: Iterable[int] | QuerySet, request: HttpRequest, language: str) -> bytes:
    """The feed of the current sessions among ``session_ids`` (the filtered catalogue)."""
    queryset = current_sessions(Session.objects.filter(pk__in=session_ids))
    sessions = feed_sessions(queryset=queryset, request=request, language=language)
    with translation.override(language):
        name = _("ALLyS Formation catalogue")
    return write_calendar(sessions, name=name, uid=f"catalogue@{UID_DOMAIN}", language=language)
