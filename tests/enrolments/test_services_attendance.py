"""The attendance register service: who is expected, what may be marked, what is counted."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from courses.factories import SessionFactory, make_slots
from enrolments.factories import EnrolmentFactory
from enrolments.models import Attendance, AttendanceStatus, EnrolmentStatus
from enrolments.services.attendance import attendance_by_enrolment, record_attendance, register_rows
from enrolments.services.errors import EnrolmentRefused

TODAY = dt.date.today()


@pytest.fixture
def running_session(course):
    """Two past slots of 8 h and one slot of 8 h in ten days."""
    slots = [*make_slots(TODAY - dt.timedelta(days=10), 2), *make_slots(TODAY + dt.timedelta(days=10), 1)]
    return SessionFactory(course=course, slots=slots)


@pytest.fixture
def slots(running_session):
    return list(running_session.slots.order_by("date"))


@pytest.fixture
def confirmed(running_session):
    return EnrolmentFactory(session=running_session)


def refusal(**kwargs) -> str:
    with translation.override("en"), pytest.raises(EnrolmentRefused) as error:
        record_attendance(**kwargs)
    return str(error.value.message)


def test_register_lists_confirmed_and_completed_enrolments_only(running_session, confirmed):
    completed = EnrolmentFactory(session=running_session, status=EnrolmentStatus.COMPLETED)
    EnrolmentFactory(session=running_session, status=EnrolmentStatus.CANCELLED)
    EnrolmentFactory(session=running_session, status=EnrolmentStatus.HELD)

    register = register_rows(running_session)

    assert {enrolment.pk for enrolment in register.enrolments} == {confirmed.pk, completed.pk}
    assert len(register.slots) == 3


def test_marks_are_saved_and_only_changes_are_counted(running_session, slots, confirmed, admin_user):
    first = record_attendance(
        session=running_session,
        marks={(confirmed.pk, slots[0].pk): "present", (confirmed.pk, slots[1].pk): "absent"},
        by=admin_user,
    )
    second = record_attendance(
        session=running_session,
        marks={(confirmed.pk, slots[0].pk): "present", (confirmed.pk, slots[1].pk): ""},
        by=admin_user,
    )

    assert (first, second) == (2, 1)
    assert register_rows(running_session).marks == {(confirmed.pk, slots[0].pk): AttendanceStatus.PRESENT}


def test_a_future_slot_refuses_the_whole_batch(running_session, slots, confirmed, admin_user):
    message = refusal(
        session=running_session,
        marks={(confirmed.pk, slots[0].pk): "present", (confirmed.pk, slots[2].pk): "present"},
        by=admin_user,
    )

    assert message == "Attendance can only be recorded once the slot has started."
    assert not Attendance.objects.exists()


def test_a_cancelled_learner_or_another_sessions_slot_is_refused(course, running_session, slots, admin_user):
    cancelled = EnrolmentFactory(session=running_session, status=EnrolmentStatus.CANCELLED)
    confirmed = EnrolmentFactory(session=running_session)
    other_slot = SessionFactory(course=course, start=TODAY - dt.timedelta(days=5)).slots.first()

    assert (
        refusal(session=running_session, marks={(cancelled.pk, slots[0].pk): "present"}, by=admin_user)
        == "This learner is not enrolled in the session."
    )
    assert (
        refusal(session=running_session, marks={(confirmed.pk, other_slot.pk): "present"}, by=admin_user)
        == "This slot is not in the session's timetable."
    )
    assert (
        refusal(session=running_session, marks={(confirmed.pk, slots[0].pk): "late"}, by=admin_user)
        == "Unknown attendance status."
    )
    assert not Attendance.objects.exists()


def test_a_slot_is_open_from_its_start_time(running_session, slots, confirmed, admin_user):
    future = slots[2]
    just_before = future.starts_at - dt.timedelta(minutes=1)

    with pytest.raises(EnrolmentRefused):
        record_attendance(
            session=running_session, marks={(confirmed.pk, future.pk): "present"}, by=admin_user, now=just_before
        )
    changed = record_attendance(
        session=running_session, marks={(confirmed.pk, future.pk): "present"}, by=admin_user, now=future.starts_at
    )

    assert changed == 1


def test_attendance_by_enrolment_sums_present_slots(running_session, slots, confirmed, admin_user):
    unmarked = EnrolmentFactory(session=running_session)
    record_attendance(
        session=running_session,
        marks={(confirmed.pk, slots[0].pk): "present", (confirmed.pk, slots[1].pk): "excused"},
        by=admin_user,
        now=timezone.now(),
    )

    summaries = attendance_by_enrolment([confirmed, unmarked])

    assert summaries[confirmed.pk].recorded is True
    assert summaries[confirmed.pk].attended_hours == Decimal("8.0")
    assert summaries[confirmed.pk].total_hours == Decimal("24.0")
    assert (summaries[confirmed.pk].present_slots, summaries[confirmed.pk].marked_slots) == (1, 2)
    assert summaries[unmarked.pk].recorded is False


def test_marks_of_a_session_the_enrolment_left_do_not_count(course, running_session, slots, confirmed):
    """A learner moved to another session keeps their old marks on record, but they are not this session's hours."""
    Attendance.objects.create(enrolment=confirmed, slot=slots[0], status=AttendanceStatus.PRESENT)
    other = SessionFactory(course=course, slots=make_slots(TODAY - dt.timedelta(days=3), 1))
    new_slot = other.slots.get()
    confirmed.session = other
    confirmed.save(update_fields=["session"])
    Attendance.objects.create(enrolment=confirmed, slot=new_slot, status=AttendanceStatus.PRESENT)
    enrolment = confirmed

    summary = attendance_by_enrolment([enrolment])[enrolment.pk]

    assert summary.marked_slots == 1
    assert summary.present_slots == 1
    assert summary.attended_hours == new_slot.hours
