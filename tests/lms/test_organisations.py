"""Organisations in Moodle: a claimed seat puts the employee in the organisation's cohort and course group."""

import pytest
from django.utils import timezone

from enrolments.factories import CompanyOrderFactory, OrganisationFactory, SeatFactory, UserFactory
from enrolments.models import EnrolmentStatus, SeatStatus
from lms.desired import organisation_idnumber, user_idnumber
from lms.drain import drain
from lms.models import OutboxItem, OutboxKind, OutboxStatus
from tests.fakes.moodle import FakeMoodle
from tests.lms.moodle_backend_setup import moodle_backend

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Brasserie Lumière")


def claim(organisation, session, person, confirm):
    """A seat of the organisation claimed by ``person``, as the seat service leaves it."""
    order = CompanyOrderFactory(session=session, organisation=organisation, quantity=2)
    enrolment = confirm(person, session, order=order)
    return SeatFactory(
        order=order,
        status=SeatStatus.CLAIMED,
        email=person.email,
        holder=person,
        claimed_at=timezone.now(),
        enrolment=enrolment,
    )


def drain_until_quiet(fake, passes=6):
    for _ in range(passes):
        OutboxItem.objects.update(next_attempt_at=timezone.now())
        report = drain(backend=moodle_backend(fake))
        if report.sent == 0 and report.waiting == 0:
            return
    raise AssertionError("the outbox never drained")


def test_a_claimed_seat_queues_the_organisation_cohort_and_course_group(session, learner, confirm, organisation):
    claim(organisation, session, learner, confirm)

    cohort = OutboxItem.objects.get(kind=OutboxKind.COHORT)
    group = OutboxItem.objects.get(kind=OutboxKind.GROUP)
    assert cohort.key == organisation_idnumber(organisation.pk)
    assert cohort.payload["name"] == "Brasserie Lumière"
    assert cohort.payload["members"] == [user_idnumber(learner.pk)]
    assert group.key == f"{session.code}/{organisation_idnumber(organisation.pk)}"
    assert group.payload["members"] == [user_idnumber(learner.pk)]


def test_a_free_or_assigned_seat_queues_nothing_for_the_organisation(session, organisation):
    order = CompanyOrderFactory(session=session, organisation=organisation)
    SeatFactory(order=order)
    SeatFactory(order=order, status=SeatStatus.ASSIGNED, email="someone@example.org")

    assert not OutboxItem.objects.filter(kind__in=[OutboxKind.COHORT, OutboxKind.GROUP]).exists()


def test_moodle_gets_the_cohort_and_the_group_with_the_enrolled_employees(session, learner, confirm, organisation):
    colleague = UserFactory(email="dominique@example.org")
    claim(organisation, session, learner, confirm)
    claim(organisation, session, colleague, confirm)
    fake = FakeMoodle()

    drain_until_quiet(fake)

    assert set(OutboxItem.objects.values_list("status", flat=True)) == {OutboxStatus.SYNCED}
    users = {u["idnumber"]: u["id"] for u in fake.users.values()}
    employees = {users[user_idnumber(learner.pk)], users[user_idnumber(colleague.pk)]}
    [cohort] = [c for c in fake.cohorts.values() if c["idnumber"] == organisation_idnumber(organisation.pk)]
    assert cohort["name"] == "Brasserie Lumière"
    assert {uid for cid, uid in fake.cohort_members if cid == cohort["id"]} == employees
    [course] = [c for c in fake.courses.values() if c.get("idnumber") == session.code]
    [group] = [g for g in fake.groups.values() if g["courseid"] == course["id"]]
    assert group["name"] == "Brasserie Lumière"
    assert {uid for gid, uid in fake.group_members if gid == group["id"]} == employees


def test_the_group_waits_until_moodle_has_the_employee_enrolled(session, learner, confirm, organisation):
    claim(organisation, session, learner, confirm)
    enrolment_row = OutboxItem.objects.get(kind=OutboxKind.ENROLMENT)
    OutboxItem.objects.filter(pk=enrolment_row.pk).update(next_attempt_at=timezone.now() + timezone.timedelta(days=1))
    fake = FakeMoodle()

    drain(backend=moodle_backend(fake))

    group = OutboxItem.objects.get(kind=OutboxKind.GROUP)
    assert group.status == OutboxStatus.PENDING
    assert group.error_kind == "dependency"
    assert not fake.groups


def test_revoking_a_claimed_seat_unenrols_the_employee_from_the_course(session, learner, confirm, organisation):
    seat = claim(organisation, session, learner, confirm)
    fake = FakeMoodle()
    drain_until_quiet(fake)
    [course] = [c for c in fake.courses.values() if c.get("idnumber") == session.code]
    assert any(course_id == course["id"] for course_id, _ in fake.enrolments)

    enrolment = seat.enrolment
    enrolment.status = EnrolmentStatus.CANCELLED
    enrolment.save()
    drain_until_quiet(fake)

    assert not any(course_id == course["id"] for course_id, _ in fake.enrolments)


def test_the_full_reconcile_brings_cohorts_and_groups_and_a_second_run_changes_nothing(
    session, learner, confirm, organisation
):
    from lms.reconcile import reconcile

    claim(organisation, session, learner, confirm)
    OutboxItem.objects.all().delete()  # as if the outbox had lost its rows
    fake = FakeMoodle()

    first = reconcile(backend=moodle_backend(fake))
    second = reconcile(backend=moodle_backend(fake))

    assert first.counts[OutboxKind.COHORT].created == 1
    assert first.counts[OutboxKind.GROUP].created == 1
    assert first.failed == 0
    assert second.changes == 0
    [cohort] = fake.cohorts.values()
    assert cohort["idnumber"] == organisation_idnumber(organisation.pk)
    assert len(fake.cohort_members) == 1 and len(fake.group_members) == 1
    assert OutboxItem.objects.get(kind=OutboxKind.GROUP).status == OutboxStatus.SYNCED
