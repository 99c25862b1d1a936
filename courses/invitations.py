"""Calendar invitations (iTIP over email, RFC 5546 / RFC 6047) for one attendee of a session.

An iTIP message carries one calendar object: every component has the same
UID. Outlook and Gmail read only the first event of a message that holds
several UIDs, so the session is sent as one recurring event
(``session_event_uid``), stable across re-sends:

- the master VEVENT is the first slot (``DTSTART``/``DTEND`` in Europe/Paris);
- when every slot is on a different day, ``RRULE:FREQ=DAILY`` up to the last
  day, an ``EXDATE`` for each day without a slot, and an override VEVENT
  (same UID, ``RECURRENCE-ID`` = the day at the master's start time) for each
  slot whose hours differ from the master's;
- when two slots share a day (morning and afternoon), a daily rule cannot
  express them, and Outlook ignores ``RDATE``: the invitation then has one
  instance per day, from the day's first start to its last end. The email's
  text and the public feed give the exact timetable.

This is not the public feed's set of events (one VEVENT per slot, UIDs from
``slot_uid``): a subscribed feed is a separate calendar in the client, so
the two are never merged. Descriptions leave out the feed's "Day n/N": every
instance of the series shares the master's description.

A schedule or venue change re-sends ``METHOD:REQUEST`` with
``SEQUENCE = Session.schedule_sequence``, which replaces the whole series.
``METHOD:CANCEL`` sends the master only, marked ``STATUS:CANCELLED``: per
RFC 5546 §3.2.5, cancelling the whole series carries no ``RECURRENCE-ID``.

The organiser is ``DEFAULT_FROM_EMAIL``; the attendee has already accepted
(they enrolled), so no reply is asked for (``RSVP=FALSE``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from email.utils import parseaddr
from typing import Literal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vRecur
from icalendar.enums import STATUS

from courses.calendar_writer import (
    UID_DOMAIN,
    FeedLabels,
    SessionEvents,
    SlotTimes,
    session_description_lines,
    session_event_uid,
    slot_components,
)
from courses.models import PARIS, Session, SessionStatus

__all__ = ["Method", "absolute_site_url", "invitation_components", "invitation_ics", "session_events"]

Method = Literal["REQUEST", "CANCEL"]


def absolute_site_url(url: str) -> str:
    """``url`` made absolute on the public site (``WAGTAILADMIN_BASE_URL``) when it is a path.

    Emails and invitations are built without a request: the configured base
    URL is the site's address.
    """
    if url.startswith("/"):
        return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url
    return url


def _course_title_and_url(session: Session, language: str) -> tuple[str, str | None]:
    """The course's title and absolute URL, from its live translation in ``language`` if any.

    Sessions hang on the source (French) page, as in ``courses.calendar.course_links``.
    """
    course = session.course
    page = course
    if course.locale.language_code != language:
        translated = (
            type(course)
            .objects.live()
            .filter(translation_key=course.translation_key, locale__language_code=language)
            .first()
        )
        page = translated or course
    path = page.get_url()
    return page.title, absolute_site_url(path) if path else None


def session_events(session: Session, *, language: str) -> SessionEvents:
    """What the public feed says about ``session`` (see ``courses.calendar.feed_sessions``), for one session.

    The feed reads plain rows for thousands of sessions; an email needs one,
    so this reads the model. The summary and location follow the feed's rules.
    """
    title, course_url = _course_title_and_url(session, language)
    if session.venue_id:
        location = session.venue.one_line_address
    elif session.is_online:
        with translation.override(language):
            location = _("Online")
    else:
        location = ""
    slots = tuple(
        SlotTimes(slot.pk, slot.date, slot.start_time, slot.end_time)
        for slot in session.slots.order_by("date", "start_time", "pk")
    )
    return SessionEvents(
        code=session.code,
        sequence=session.schedule_sequence,
        cancelled=session.status == SessionStatus.CANCELLED,
        summary=f"{title} — {session.code}",
        location=location,
        course_url=course_url,
        last_modified=session.updated_at,
        slots=slots,
    )


def organizer_address() -> vCalAddress:
    """``DEFAULT_FROM_EMAIL`` as the events' ORGANIZER."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return vCalAddress.new(address, cn=name or None)


def _paris(date: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(date, time, tzinfo=PARIS)


def _one_slot_a_day(slots) -> tuple[SlotTimes, ...]:
    """The slots merged by day: from the day's first start to its last end (slots come sorted)."""
    days: dict[dt.date, SlotTimes] = {}
    for pk, date, start_time, end_time in slots:
        day = days.get(date)
        days[date] = (
            SlotTimes(pk, date, start_time, end_time)
            if day is None
            else day._replace(start_time=min(day.start_time, start_time), end_time=max(day.end_time, end_time))
        )
    return tuple(days.values())


def _instance_starts(events: SessionEvents, master: Event) -> list[dt.datetime]:
    """Add the daily rule to ``master``; return each other day's original start (its RECURRENCE-ID)."""
    slots = events.slots
    dates = [slot[1] for slot in slots]
    first_date, master_time = dates[0], slots[0][2]
    # The last instance's original start: a last slot starting earlier than the
    # master would otherwise fall outside the rule.
    until = _paris(dates[-1], master_time).astimezone(dt.UTC)
    master.add("RRULE", vRecur(freq="DAILY", until=until))
    with_slot = set(dates)
    for offset in range(1, (dates[-1] - first_date).days):
        day = first_date + dt.timedelta(days=offset)
        if day not in with_slot:
            master.add("EXDATE", _paris(day, master_time))
    return [_paris(date, master_time) for date in dates[1:]]


def invitation_components(events: SessionEvents, *, stamp: dt.datetime) -> list[Event]:
    """The session as one recurring event: its master VEVENT, then its overrides (all with one UID).

    Built from ``slot_components``; must be called with the invitation's language active.
    """
    events = dataclasses.replace(events, slots=_one_slot_a_day(events.slots))
    components = slot_components(events, stamp=stamp)
    if not components:
        return []
    uid = session_event_uid(events.code)
    description = "\n".join(session_description_lines(events, FeedLabels())) or None
    for component in components:
        component.uid = uid
        component.description = description
    master = components[0]
    if len(components) == 1:
        return [master]
    duration = master.end - master.start
    overrides = []
    for start, component in zip(_instance_starts(events, master), components[1:], strict=True):
        if (component.start, component.end) != (start, start + duration):
            component.add("RECURRENCE-ID", start)
            overrides.append(component)
    return [master, *overrides]


def invitation_ics(
    *,
    session: Session,
    attendee_email: str,
    attendee_name: str,
    method: Method = "REQUEST",
    language: str | None = None,
    stamp: dt.datetime | None = None,
) -> bytes:
    """An iTIP ``METHOD:REQUEST`` (or ``METHOD:CANCEL``) calendar of ``session`` for one attendee.

    One calendar object (see the module docstring) with
    ``SEQUENCE = session.schedule_sequence``; a cancellation is its master
    event marked ``STATUS:CANCELLED``. ``language`` (default: the active
    one) is the language of the summary and description.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"Unsupported iTIP method: {method!r}")
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    stamp = stamp or timezone.now()
    events = session_events(session, language=language)
    attendee = vCalAddress.new(
        attendee_email,
        cn=attendee_name or None,
        role="REQ-PARTICIPANT",
        partstat="ACCEPTED",
        rsvp=False,
    )
    organizer = organizer_address()
    with translation.override(language):
        components = invitation_components(events, stamp=stamp)
    if method == "CANCEL":
        components = components[:1]
    for event in components:
        event.organizer = organizer
        event.attendees = [attendee]
        if method == "CANCEL":
            event.status = STATUS.CANCELLED
    calendar = Calendar.new(
        prodid=f"-//ALLyS//ALLyS Formation//{language.upper()}",
        calscale="GREGORIAN",
        method=method,
        uid=f"invitation-{session.code}@{UID_DOMAIN}",
        subcomponents=components,
    )
    if events.slots:
        dates = [slot[1] for slot in events.slots]
        # Bounded: without dates, icalendar writes every transition since 1970.
        calendar.add_missing_timezones(first_date=min(dates), last_date=max(dates) + dt.timedelta(days=1))
    return calendar.to_ical()
