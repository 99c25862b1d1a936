"""What a calendar application reads in an emailed invitation: the session as one recurring event."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from catalogue.factories import CoursePageFactory
from courses.factories import SessionFactory, VenueFactory
from courses.invitations import invitation_ics
from courses.models import PARIS, SessionStatus, TimetableSlot
from tests.ical_series import instances, master_of, slots_of, the_uid


@pytest.fixture
def course(catalogue_page):
    return CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal", slug="apprentissage-frugal")


@pytest.fixture
def session(course):
    venue = VenueFactory(name="ENS de Lyon", street_address="15 parvis René Descartes", postal_code="69007")
    return SessionFactory(course=course, code="IAF-DL-2027-03", start=dt.date(2027, 3, 10), days=2, venue=venue)


def session_with(course, *slots: tuple[dt.date, str, str]):
    """A session whose timetable is ``(date, "HH:MM", "HH:MM")`` slots."""
    return SessionFactory(
        course=course,
        slots=[
            TimetableSlot(date=date, start_time=dt.time.fromisoformat(start), end_time=dt.time.fromisoformat(end))
            for date, start, end in slots
        ],
    )


def invite(session, method="REQUEST") -> Calendar:
    return Calendar.from_ical(
        invitation_ics(
            session=session, attendee_email="camille@example.org", attendee_name="Camille Martin", method=method
        )
    )


def public_feed(client, session) -> Calendar:
    response = client.get(reverse("calendar:session", kwargs={"code": session.code}))
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def reschedule(session, **changes) -> None:
    """Change the first slot in memory and save the session as a cluster, as the admin does."""
    slots = list(session.slots.all())
    for name, value in changes.items():
        setattr(slots[0], name, value)
    session.slots = slots
    session.save()


def test_consecutive_days_are_one_daily_event(course):
    session = session_with(
        course,
        (dt.date(2027, 3, 10), "09:00", "17:00"),
        (dt.date(2027, 3, 11), "09:00", "17:00"),
        (dt.date(2027, 3, 12), "09:00", "17:00"),
    )

    calendar = invite(session)

    assert the_uid(calendar) == f"session-event-{session.code}@formation.allys.fr"
    assert len(calendar.walk("VEVENT")) == 1
    assert instances(calendar) == slots_of(session)


def test_gap_days_and_other_hours_across_the_clock_change(course):
    # Friday, then Monday and Tuesday after the switch to summer time (28 March 2027);
    # the last day starts earlier than the first.
    session = session_with(
        course,
        (dt.date(2027, 3, 26), "09:00", "17:00"),
        (dt.date(2027, 3, 29), "09:00", "17:00"),
        (dt.date(2027, 3, 30), "08:30", "12:00"),
    )

    calendar = invite(session)

    the_uid(calendar)
    assert instances(calendar) == slots_of(session)
    assert master_of(calendar).exdates == [
        dt.datetime(2027, 3, 27, 9, 0, tzinfo=PARIS),
        dt.datetime(2027, 3, 28, 9, 0, tzinfo=PARIS),
    ]
    [override] = [event for event in calendar.walk("VEVENT") if "RECURRENCE-ID" in event]
    assert override["RECURRENCE-ID"].dt == dt.datetime(2027, 3, 30, 9, 0, tzinfo=PARIS)
    assert str(override["ATTENDEE"]) == "mailto:camille@example.org"
    assert str(override["SUMMARY"]) == "Apprentissage frugal — " + session.code


def test_two_slots_on_one_day_make_one_instance_from_first_start_to_last_end(course):
    session = session_with(
        course,
        (dt.date(2027, 3, 10), "09:00", "12:30"),
        (dt.date(2027, 3, 10), "14:00", "17:00"),
        (dt.date(2027, 3, 11), "09:00", "12:30"),
    )

    calendar = invite(session)

    the_uid(calendar)
    assert "RDATE" not in master_of(calendar)  # Outlook ignores RDATE
    assert instances(calendar) == {
        (dt.datetime(2027, 3, 10, 9, 0, tzinfo=PARIS), dt.datetime(2027, 3, 10, 17, 0, tzinfo=PARIS)),
        (dt.datetime(2027, 3, 11, 9, 0, tzinfo=PARIS), dt.datetime(2027, 3, 11, 12, 30, tzinfo=PARIS)),
    }


def test_single_slot_is_a_single_event(course):
    session = session_with(course, (dt.date(2027, 3, 10), "09:30", "16:30"))

    calendar = invite(session)

    [event] = calendar.walk("VEVENT")
    assert not {"RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"} & event.keys()
    assert instances(calendar) == slots_of(session)


def test_empty_timetable_has_no_event(session):
    # The admin requires a slot; the rows can still be gone (a script, a shell).
    TimetableSlot.objects.filter(session=session).delete()

    calendar = invite(session)

    assert str(calendar["METHOD"]) == "REQUEST"
    assert calendar.walk("VEVENT") == []
    assert calendar.walk("VTIMEZONE") == []


def test_request_shows_the_times_and_words_of_the_public_feed(client, session):
    calendar = invite(session)

    assert str(calendar["METHOD"]) == "REQUEST"
    published = public_feed(client, session).walk("VEVENT")
    assert instances(calendar) == {(event.start, event.end) for event in published} == slots_of(session)
    event = master_of(calendar)
    assert str(event["SUMMARY"]) == str(published[0]["SUMMARY"]) == "Apprentissage frugal — IAF-DL-2027-03"
    assert str(event["LOCATION"]) == "ENS de Lyon, 15 parvis René Descartes, 69007 Lyon"
    assert str(event["URL"]) == str(published[0]["URL"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.sequence == session.schedule_sequence


def test_description_links_the_course_without_a_day_number(session):
    description = str(master_of(invite(session))["DESCRIPTION"])

    assert description == "http://testserver/formations/apprentissage-frugal/"


def test_attendee_and_organizer(session):
    event = master_of(invite(session))

    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:camille@example.org"
    assert attendee.params["CN"] == "Camille Martin"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert attendee.params["RSVP"] == "FALSE"
    assert str(event["ORGANIZER"]) == "mailto:formation@allys.example"
    assert event["ORGANIZER"].params["CN"] == "ALLyS Formation"


def test_times_are_in_europe_paris_with_a_bounded_timezone(session):
    calendar = invite(session)

    first = master_of(calendar)
    assert first.start == dt.datetime(2027, 3, 10, 9, 0, tzinfo=first.start.tzinfo)
    assert str(first.start.tzinfo) == "Europe/Paris"
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Paris"]
    # Bounded to the session's dates: no transition history since 1970.
    assert len(timezones[0].subcomponents) <= 2


def test_rescheduled_session_is_sent_with_the_next_sequence_and_the_same_uid(session):
    before = invite(session)

    reschedule(session, start_time=dt.time(10, 0))

    after = invite(session)
    assert the_uid(after) == the_uid(before)
    assert {event.sequence for event in after.walk("VEVENT")} == {master_of(before).sequence + 1}
    assert instances(after) == slots_of(session)
    assert (dt.datetime(2027, 3, 10, 10, 0, tzinfo=PARIS), dt.datetime(2027, 3, 10, 17, 0, tzinfo=PARIS)) in instances(
        after
    )


def test_cancel_is_the_whole_series_cancelled(session):
    request = invite(session)

    cancel = invite(session, method="CANCEL")

    assert str(cancel["METHOD"]) == "CANCEL"
    assert the_uid(cancel) == the_uid(request)
    # The whole series: no RECURRENCE-ID (RFC 5546 §3.2.5).
    [event] = cancel.walk("VEVENT")
    assert "RECURRENCE-ID" not in event
    assert str(event["STATUS"]) == "CANCELLED"


def test_cancel_drops_the_overrides(course):
    session = session_with(course, (dt.date(2027, 3, 10), "09:00", "17:00"), (dt.date(2027, 3, 11), "09:00", "12:00"))
    assert len(invite(session).walk("VEVENT")) == 2

    cancel = invite(session, method="CANCEL")

    assert [str(event["STATUS"]) for event in cancel.walk("VEVENT")] == ["CANCELLED"]


def test_cancelled_session_carries_the_bumped_sequence_of_the_public_feed(client, session):
    session.status = SessionStatus.CANCELLED
    session.save()

    cancel = invite(session, method="CANCEL")

    published = public_feed(client, session).walk("VEVENT")
    assert {event.sequence for event in cancel.walk("VEVENT")} == {event.sequence for event in published} == {1}


def test_unknown_method_is_refused(session):
    with pytest.raises(ValueError, match="PUBLISH"):
        invitation_ics(session=session, attendee_email="a@example.org", attendee_name="A", method="PUBLISH")
