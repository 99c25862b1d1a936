"""What a calendar application reads in an emailed invitation: the public feed's events, for one attendee."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from catalogue.factories import CoursePageFactory
from courses.factories import SessionFactory, VenueFactory
from courses.invitations import invitation_ics
from courses.models import SessionStatus


@pytest.fixture
def course(catalogue_page):
    return CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal", slug="apprentissage-frugal")


@pytest.fixture
def session(course):
    venue = VenueFactory(name="ENS de Lyon", street_address="15 parvis René Descartes", postal_code="69007")
    return SessionFactory(course=course, code="IAF-DL-2027-03", start=dt.date(2027, 3, 10), days=2, venue=venue)


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


def by_uid(calendar: Calendar) -> dict:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def reschedule(session, **changes) -> None:
    """Change the first slot in memory and save the session as a cluster, as the admin does."""
    slots = list(session.slots.all())
    for name, value in changes.items():
        setattr(slots[0], name, value)
    session.slots = slots
    session.save()


def test_request_describes_the_same_events_as_the_public_feed(client, session):
    calendar = invite(session)

    assert str(calendar["METHOD"]) == "REQUEST"
    invited, published = by_uid(calendar), by_uid(public_feed(client, session))
    assert len(invited) == 2
    assert invited.keys() == published.keys()
    for uid, event in invited.items():
        assert event.start == published[uid].start
        assert event.end == published[uid].end
        assert str(event["SUMMARY"]) == str(published[uid]["SUMMARY"]) == "Apprentissage frugal — IAF-DL-2027-03"
        assert str(event["LOCATION"]) == "ENS de Lyon, 15 parvis René Descartes, 69007 Lyon"
        assert str(event["STATUS"]) == "CONFIRMED"
        assert event.sequence == session.schedule_sequence


def test_attendee_and_organizer(session):
    event = invite(session).walk("VEVENT")[0]

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

    first = min(calendar.walk("VEVENT"), key=lambda e: e.start)
    assert first.start == dt.datetime(2027, 3, 10, 9, 0, tzinfo=first.start.tzinfo)
    assert str(first.start.tzinfo) == "Europe/Paris"
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Paris"]
    # Bounded to the session's dates: no transition history since 1970.
    assert len(timezones[0].subcomponents) <= 2


def test_rescheduled_session_is_sent_with_the_next_sequence_and_the_same_uids(session):
    before = invite(session)

    reschedule(session, start_time=dt.time(10, 0))

    after = invite(session)
    assert by_uid(after).keys() == by_uid(before).keys()
    assert {e.sequence for e in after.walk("VEVENT")} == {before.walk("VEVENT")[0].sequence + 1}
    moved = min(after.walk("VEVENT"), key=lambda e: e.start)
    assert (moved.start.hour, moved.start.minute) == (10, 0)


def test_cancel_keeps_the_uids_and_marks_every_event_cancelled(session):
    request = invite(session)

    cancel = invite(session, method="CANCEL")

    assert str(cancel["METHOD"]) == "CANCEL"
    assert by_uid(cancel).keys() == by_uid(request).keys()
    assert {str(e["STATUS"]) for e in cancel.walk("VEVENT")} == {"CANCELLED"}


def test_cancelled_session_carries_the_bumped_sequence_of_the_public_feed(client, session):
    session.status = SessionStatus.CANCELLED
    session.save()

    cancel = invite(session, method="CANCEL")

    published = by_uid(public_feed(client, session))
    for uid, event in by_uid(cancel).items():
        assert event.sequence == published[uid].sequence == 1


def test_unknown_method_is_refused(session):
    with pytest.raises(ValueError, match="PUBLISH"):
        invitation_ics(session=session, attendee_email="a@example.org", attendee_name="A", method="PUBLISH")
