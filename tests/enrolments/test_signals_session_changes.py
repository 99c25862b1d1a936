"""What enrolled learners receive when staff reschedule or cancel a session."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from icalendar import Calendar

from courses.factories import VenueFactory
from courses.invitations import invitation_ics
from courses.models import SessionStatus
from enrolments import signals
from enrolments.factories import EnrolmentFactory, UserFactory
from enrolments.models import EnrolmentStatus
from tests.ical_series import instances, slots_of, the_uid

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def session_signals():
    """The listeners EnrolmentsConfig.ready() connects; left as they were found."""
    was_connected = signals.disconnect()
    signals.connect()
    yield
    if not was_connected:
        signals.disconnect()


@pytest.fixture
def enrolments(session, legal_texts):
    """Two confirmed learners, one who withdrew and one still paying (held)."""
    return {
        "confirmed": [
            EnrolmentFactory(session=session, learner=UserFactory(email="ada@example.org")),
            EnrolmentFactory(session=session, learner=UserFactory(email="grace@example.org")),
        ],
        "withdrawn": EnrolmentFactory(
            session=session, learner=UserFactory(email="gone@example.org"), status=EnrolmentStatus.WITHDRAWN
        ),
        "held": EnrolmentFactory(
            session=session, learner=UserFactory(email="paying@example.org"), status=EnrolmentStatus.HELD
        ),
    }


def reschedule(session, **changes) -> None:
    """Change the first slot in memory and save the session as a cluster, as the admin does."""
    slots = list(session.slots.all())
    for name, value in changes.items():
        setattr(slots[0], name, value)
    session.slots = slots
    session.save()


def invitation_of(message) -> tuple[str, Calendar]:
    [part] = [p for p in message.message().walk() if p.get_content_type() == "text/calendar"]
    return part.get_param("method"), Calendar.from_ical(part.get_payload(decode=True))


def published(session) -> Calendar:
    return Calendar.from_ical(invitation_ics(session=session, attendee_email="x@example.org", attendee_name="X"))


def test_changing_a_slot_time_sends_every_confirmed_learner_an_updated_invitation(
    session, enrolments, django_capture_on_commit_callbacks
):
    before = published(session)
    sequence = session.schedule_sequence

    with django_capture_on_commit_callbacks(execute=True):
        reschedule(session, start_time=dt.time(10, 0))

    assert sorted(address for message in mail.outbox for address in message.to) == [
        "ada@example.org",
        "grace@example.org",
    ]
    for message in mail.outbox:
        method, calendar = invitation_of(message)
        assert method == "REQUEST"
        assert the_uid(calendar) == the_uid(before)
        assert {event.sequence for event in calendar.walk("VEVENT")} == {sequence + 1}
        assert instances(calendar) == slots_of(session)
        first = min(start for start, _end in instances(calendar))
        assert (first.hour, first.minute) == (10, 0)
        assert "10:00–17:00" in message.body


def test_moving_the_session_to_another_venue_sends_the_new_place(
    session, enrolments, django_capture_on_commit_callbacks
):
    venue = VenueFactory(name="Manufacture des Tabacs", street_address="6 cours Albert Thomas", postal_code="69008")

    with django_capture_on_commit_callbacks(execute=True):
        session.venue = venue
        session.save()

    assert len(mail.outbox) == 2
    for message in mail.outbox:
        _method, calendar = invitation_of(message)
        assert {str(e["LOCATION"]) for e in calendar.walk("VEVENT")} == {venue.one_line_address}
        assert venue.one_line_address in message.body


def test_saving_without_a_schedule_change_sends_nothing(session, enrolments, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        session.capacity = 20
        session.save()

    assert mail.outbox == []


def test_a_rolled_back_change_sends_nothing(session, enrolments, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                reschedule(session, start_time=dt.time(10, 0))
                raise RuntimeError("the admin form failed after saving")
        except RuntimeError:
            pass

    assert mail.outbox == []


def test_cancelling_the_session_sends_every_learner_a_cancellation(
    session, enrolments, django_capture_on_commit_callbacks
):
    before = published(session)

    with django_capture_on_commit_callbacks(execute=True):
        session.status = SessionStatus.CANCELLED
        session.save()

    # Confirmed learners lose their place and are told; the held checkout is simply ended.
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "ada@example.org",
        "grace@example.org",
    ]
    for message in mail.outbox:
        method, calendar = invitation_of(message)
        assert method == "CANCEL"
        assert the_uid(calendar) == the_uid(before)
        assert {str(event["STATUS"]) for event in calendar.walk("VEVENT")} == {"CANCELLED"}
    for enrolment in [*enrolments["confirmed"], enrolments["held"]]:
        enrolment.refresh_from_db()
        assert enrolment.status == EnrolmentStatus.CANCELLED_BY_ORGANISER


def test_cancelling_calls_session_cancel_once_after_the_commit(
    session, enrolments, monkeypatch, django_capture_on_commit_callbacks
):
    from enrolments.services import enrolment as enrolment_services

    calls = []
    monkeypatch.setattr(enrolment_services, "session_cancel", lambda *, session: calls.append(session.pk))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        session.status = SessionStatus.CANCELLED
        session.save()
    assert calls == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert calls == [session.pk]

    with django_capture_on_commit_callbacks(execute=True):
        session.save()  # saved again, still cancelled
    assert calls == [session.pk]
