"""Calendar invitations (iTIP over email, RFC 5546 / RFC 6047) for one attendee of a session.

An invitation describes the same events as the public feed of the session
(``/calendar/sessions/<code>.ics``): one VEVENT per timetable slot, built
by ``courses.calendar_writer.slot_components`` with the same UIDs
(``slot_uid``) and ``SEQUENCE`` (``Session.schedule_sequence``). A calendar
that imported the feed and then receives an invitation, or the other way
round, updates its events instead of duplicating them; a schedule change
(a higher ``SEQUENCE``) or a ``METHOD:CANCEL`` replaces what it holds.

The organiser is ``DEFAULT_FROM_EMAIL``; the attendee has already accepted
(they enrolled), so no reply is asked for (``RSVP=FALSE``).
"""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from typing import Literal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, vCalAddress
from icalendar.enums import STATUS

from courses.calendar_writer import UID_DOMAIN, SessionEvents, SlotTimes, slot_components
from courses.models import Session, SessionStatus

__all__ = ["Method", "absolute_site_url", "invitation_ics", "session_events"]

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

    One VEVENT per timetable slot, with the public feed's UIDs and
    ``SEQUENCE = session.schedule_sequence``; a cancellation marks every
    event ``STATUS:CANCELLED``. ``language`` (default: the active one) is
    the language of the summary and description.
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
        components = slot_components(events, stamp=stamp)
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
