"""RFC 5545 text of the schedule's feeds: one VEVENT per timetable slot.

``SessionEvents`` is everything a feed says about one session (the
selectors in ``courses.calendar`` build them). The calendar envelope and
the ``VTIMEZONE`` come from icalendar's typed API (``Calendar.new``,
``Timezone.from_tzid``). The ``VEVENT`` blocks are written by a small
writer: building icalendar ``Event`` objects costs about 0.25 ms per event,
which makes a catalogue feed of 20,000 slots take seconds, while the writer
needs a few microseconds. ``slot_components`` builds the same events with
``Event.new``; it is the reference the writer is tested against, and the
way to get events as objects (for invitations, for example).

The writer works once per session for what its slots share, formats each
distinct date and time once, and writes UTF-8 pieces that are joined once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, vDuration
from icalendar.enums import STATUS

from courses.models import PARIS

TZID = "Europe/Paris"
#: Domain part of every UID: UIDs must not change when the site's host does.
UID_DOMAIN = "formation.allys.fr"
#: How often subscribed clients should refresh (REFRESH-INTERVAL, X-PUBLISHED-TTL).
REFRESH_INTERVAL = dt.timedelta(hours=1)


class SlotTimes(NamedTuple):
    """One timetable slot: its primary key and its Europe/Paris wall-clock times.

    ``feed_sessions`` makes plain tuples with the same fields instead: a
    catalogue feed has about 20,000 slots, and the garbage collector stops
    tracking a plain tuple of dates and times (not an instance of a
    subclass), so they do not add to the next full collection's work.
    """

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
    slots: tuple[tuple[int, dt.date, dt.time, dt.time], ...]  # SlotTimes, or plain tuples with its fields


def slot_uid(slot_pk: int, code: str) -> str:
    """The UID of a slot's event: stable when the slot's date or time changes."""
    return f"slot-{slot_pk}.{code}@{UID_DOMAIN}"


def session_event_uid(code: str) -> str:
    """The UID of the session's single recurring event in emailed invitations (``courses.invitations``).

    Not ``session-<code>@…``: that is the UID of the session's feed, a calendar.
    """
    return f"session-event-{code}@{UID_DOMAIN}"


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


def _escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 sequence (RFC 5545 §3.1)."""
    if line.isascii():
        if len(line) <= 75:
            return line + "\r\n"
        if len(line) <= 149:
            return f"{line[:75]}\r\n {line[75:]}\r\n"
        return "\r\n ".join([line[:75], *(line[i : i + 74] for i in range(75, len(line), 74))]) + "\r\n"
    data = line.encode()
    if len(data) <= 75:
        return line + "\r\n"
    parts, start, limit = [], 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            end -= 1
        parts.append(data[start:end].decode())
        start, limit = end, 74
    parts.append(data[start:].decode())
    return "\r\n ".join(parts) + "\r\n"


def _utc(moment: dt.datetime) -> str:
    m = moment.astimezone(dt.UTC)
    return f"{m.year:04}{m.month:02}{m.day:02}T{m.hour:02}{m.minute:02}{m.second:02}Z"


# A feed has few distinct dates and times: format each once.
@lru_cache(maxsize=4096)
def _date(date: dt.date) -> str:
    return f"{date.year:04}{date.month:02}{date.day:02}"


@lru_cache(maxsize=1024)
def _time(time: dt.time) -> str:
    return f"T{time.hour:02}{time.minute:02}{time.second:02}"


_STATUS_LINES = {True: f"STATUS:{STATUS.CANCELLED.value}\r\n", False: f"STATUS:{STATUS.CONFIRMED.value}\r\n"}


class _Writer:
    """Writes VEVENT blocks as UTF-8 into one list, joined once by the caller.

    ``dtstamp`` is the feed's ``DTSTAMP`` line. What all slots of a session
    share is escaped and folded once; the description is ``slot_description``
    escaped piece by piece (escaping commutes with joining on a newline).
    """

    __slots__ = ("_days", "_times", "dtstamp", "labels", "out")

    def __init__(self, *, dtstamp: str, labels: FeedLabels) -> None:
        self.dtstamp = dtstamp
        self.labels = labels
        self.out: list[bytes] = []
        self._days: dict[tuple[int, int], str] = {}  # "Day 2/3", escaped
        self._times: dict[tuple[dt.date, dt.time, dt.time], bytes] = {}  # DTSTART and DTEND lines

    def _day(self, number: int, count: int) -> str:
        text = self._days.get((number, count))
        if text is None:
            text = self._days[number, count] = _escape(self.labels.day(number, count))
        return text

    def _start_end(self, date: dt.date, start_time: dt.time, end_time: dt.time) -> bytes:
        # Sessions share days and hours: a feed has a few hundred distinct slots' times.
        text = self._times.get((date, start_time, end_time))
        if text is None:
            day = _date(date)
            text = self._times[date, start_time, end_time] = (
                f"DTSTART;TZID={TZID}:{day}{_time(start_time)}\r\nDTEND;TZID={TZID}:{day}{_time(end_time)}\r\n"
            ).encode()
        return text

    def session(self, events: SessionEvents) -> None:
        shared = "".join(
            [
                self.dtstamp,
                f"SEQUENCE:{events.sequence}\r\n",
                _STATUS_LINES[events.cancelled],
                _fold(f"SUMMARY:{_escape(events.summary)}"),
                _fold(f"LOCATION:{_escape(events.location)}") if events.location else "",
                _fold(f"URL:{events.course_url}") if events.course_url else "",
                f"LAST-MODIFIED:{_utc(events.last_modified)}\r\n",
            ]
        ).encode()
        uid_tail = f".{_escape(events.code)}@{UID_DOMAIN}"
        tail = "".join("\\n" + _escape(line) for line in session_description_lines(events, self.labels))
        count = len(events.slots)
        append, day, start_end = self.out.append, self._day, self._start_end
        for number, (pk, date, start_time, end_time) in enumerate(events.slots, start=1):
            uid = _fold(f"UID:slot-{pk}{uid_tail}").encode()
            description = _fold(f"DESCRIPTION:{day(number, count)}{tail}").encode()
            append(
                b"BEGIN:VEVENT\r\n%b%b%b%bEND:VEVENT\r\n"
                % (uid, start_end(date, start_time, end_time), shared, description)
            )


def write_vevents(events: SessionEvents, *, dtstamp: str, labels: FeedLabels) -> bytes:
    """The VEVENT blocks of one session as RFC 5545 text (UTF-8, CRLF line endings)."""
    writer = _Writer(dtstamp=dtstamp, labels=labels)
    writer.session(events)
    return b"".join(writer.out)


def slot_components(events: SessionEvents, *, stamp: dt.datetime) -> list[Event]:
    """The session's events built with icalendar's typed ``Event.new``.

    Same content as ``write_vevents``; must be called with the feed's language active.
    """
    labels = FeedLabels()
    return [
        Event.new(
            uid=slot_uid(pk, events.code),
            stamp=stamp,
            start=dt.datetime.combine(date, start_time, tzinfo=PARIS),
            end=dt.datetime.combine(date, end_time, tzinfo=PARIS),
            sequence=events.sequence,
            status=STATUS.CANCELLED if events.cancelled else STATUS.CONFIRMED,
            summary=events.summary,
            location=events.location or None,
            url=events.course_url,
            last_modified=events.last_modified,
            description=slot_description(events, number, labels),
        )
        for number, (pk, date, start_time, end_time) in enumerate(events.slots, start=1)
    ]


@lru_cache(maxsize=32)
def paris_vtimezone(first_date: dt.date, last_date: dt.date) -> bytes:
    """The ``VTIMEZONE`` of Europe/Paris, bounded to the dates a feed uses.

    This is what ``Calendar.add_missing_timezones(first_date=…, last_date=…)``
    adds, without walking every event to find the TZIDs in use; cached, since
    many feeds share the same bounds.
    """
    return Timezone.from_tzid(TZID, first_date=first_date, last_date=last_date).to_ical()


@lru_cache(maxsize=32)
def _envelope(*, name: str, uid: str, language: str) -> bytes:
    """The calendar's own properties, without ``END:VCALENDAR``."""
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
    return calendar.to_ical().removesuffix(b"END:VCALENDAR\r\n")


def write_calendar(
    sessions: list[SessionEvents], *, name: str, uid: str, language: str, stamp: dt.datetime | None = None
) -> bytes:
    """The whole ``VCALENDAR`` (METHOD:PUBLISH) for ``sessions``, as UTF-8 bytes."""
    stamp = stamp or timezone.now()
    dates = [slot[1] for events in sessions for slot in events.slots]
    with translation.override(language):
        writer = _Writer(dtstamp=f"DTSTAMP:{_utc(stamp)}\r\n", labels=FeedLabels())
        for events in sessions:
            writer.session(events)
    timezone_block = paris_vtimezone(min(dates), max(dates) + dt.timedelta(days=1)) if dates else b""
    envelope = _envelope(name=name, uid=uid, language=language)
    return b"".join([envelope, timezone_block, *writer.out, b"END:VCALENDAR\r\n"])
