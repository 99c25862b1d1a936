"""The full reconcile: creates what Moodle lacks, changes nothing the second time, records the outbox."""

import datetime as dt

import pytest
from django.utils import timezone

from courses.factories import SessionFactory
from courses.models import SessionStatus
from enrolments.factories import UserFactory
from enrolments.models import EnrolmentStatus
from lms import desired
from lms.backends.base import ItemResult, Outcome
from lms.backends.dummy import STATE, DummyBackend
from lms.backends.moodle import MoodleBackend
from lms.models import ErrorKind, OutboxItem, OutboxKind, OutboxStatus
from lms.moodle.client import MoodleClient
from lms.moodle.errors import ItemError
from lms.reconcile import UnknownSession, reconcile, record

pytestmark = pytest.mark.django_db

WRITE_FUNCTIONS = {
    "core_course_create_categories",
    "core_course_create_courses",
    "core_course_update_courses",
    "core_user_create_users",
    "core_user_update_users",
    "enrol_manual_enrol_users",
    "enrol_manual_unenrol_users",
}


@pytest.fixture
def two_learners(session, confirm):
    learners = [UserFactory(email=f"learner-{i}@example.org") for i in range(2)]
    for learner in learners:
        confirm(learner, session)
    return learners


@pytest.fixture
def other_session(course, confirm):
    other = SessionFactory(course=course, code="IAF-TST-2027-02", start=dt.date.today() + dt.timedelta(days=90))
    confirm(UserFactory(email="elsewhere@example.org"), other)
    return other


def counts(summary, kind):
    c = summary.counts[kind]
    return {"created": c.created, "updated": c.updated, "unchanged": c.unchanged, "failed": c.failed}


def synced_keys(kind):
    return set(OutboxItem.objects.filter(kind=kind, status=OutboxStatus.SYNCED).values_list("key", flat=True))


class RefusingBackend(DummyBackend):
    """The dummy LMS, refusing the courses whose keys it is given."""

    def __init__(self, refuse=(), **kwargs):
        super().__init__(**kwargs)
        self.refuse = set(refuse)
        self.enrolled_keys = []

    def ensure_courses(self, specs, *, dry_run=False):
        accepted = super().ensure_courses([s for s in specs if s.key not in self.refuse], dry_run=dry_run)
        error = ItemError("Short name is already used by another course", errorcode="shortnametaken")
        return accepted + [ItemResult(s.key, Outcome.FAILED, error=error) for s in specs if s.key in self.refuse]

    def enrol(self, specs, *, dry_run=False):
        self.enrolled_keys.extend(s.key for s in specs)
        return super().enrol(specs, dry_run=dry_run)


# --- with the dummy LMS --------------------------------------------------------


def test_a_first_run_creates_everything_and_a_second_changes_nothing(session, two_learners):
    first = reconcile(backend=DummyBackend())
    assert counts(first, OutboxKind.COURSE) == {"created": 1, "updated": 0, "unchanged": 0, "failed": 0}
    assert counts(first, OutboxKind.USER)["created"] == 2
    assert counts(first, OutboxKind.ENROLMENT)["created"] == 2
    assert first.counts[OutboxKind.CATEGORY].created >= 1
    assert first.changes == first.counts[OutboxKind.CATEGORY].created + 5

    second = reconcile(backend=DummyBackend())
    assert second.changes == 0
    assert second.failed == 0
    assert counts(second, OutboxKind.ENROLMENT) == {"created": 0, "updated": 0, "unchanged": 2, "failed": 0}


def test_after_a_run_every_object_is_in_sync_in_the_outbox(session, two_learners):
    reconcile(backend=DummyBackend())
    course = OutboxItem.objects.get(kind=OutboxKind.COURSE, key=session.code)
    assert course.status == OutboxStatus.SYNCED
    assert course.payload == desired.payload(desired.course_spec(session))
    assert course.moodle_id is not None
    assert course.session == session
    assert course.synced_at is not None
    users = {desired.user_idnumber(learner.pk) for learner in two_learners}
    assert users <= synced_keys(OutboxKind.USER)
    assert {f"{user}@{session.code}" for user in users} <= synced_keys(OutboxKind.ENROLMENT)
    assert not OutboxItem.objects.exclude(status=OutboxStatus.SYNCED).exists()


def test_a_dry_run_reports_what_it_would_do_and_writes_nothing(session, two_learners):
    before = list(OutboxItem.objects.values_list("kind", "key", "status", "revision").order_by("pk"))
    summary = reconcile(backend=DummyBackend(), dry_run=True)
    assert summary.dry_run
    assert counts(summary, OutboxKind.COURSE)["created"] == 1
    assert counts(summary, OutboxKind.ENROLMENT)["created"] == 2
    assert STATE.objects == {}
    assert STATE.enrolled == set()
    assert list(OutboxItem.objects.values_list("kind", "key", "status", "revision").order_by("pk")) == before


def test_session_limits_the_run_to_its_course_its_learners_and_their_enrolments(session, two_learners, other_session):
    summary = reconcile(backend=DummyBackend(), session_code=other_session.code)
    assert counts(summary, OutboxKind.COURSE)["created"] == 1
    assert counts(summary, OutboxKind.USER)["created"] == 1
    assert counts(summary, OutboxKind.ENROLMENT)["created"] == 1
    assert synced_keys(OutboxKind.COURSE) == {other_session.code}
    assert {key.split("@")[1] for key in synced_keys(OutboxKind.ENROLMENT)} == {other_session.code}


def test_an_unknown_session_code_is_refused(session):
    with pytest.raises(UnknownSession):
        reconcile(backend=DummyBackend(), session_code="NO-SUCH-CODE")


def test_a_withdrawn_learner_is_unenrolled(session, learner, confirm):
    enrolment = confirm(learner, session)
    reconcile(backend=DummyBackend())
    key = f"{desired.user_idnumber(learner.pk)}@{session.code}"
    assert key in STATE.enrolled

    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.save()
    summary = reconcile(backend=DummyBackend())
    assert counts(summary, OutboxKind.ENROLMENT) == {"created": 0, "updated": 1, "unchanged": 0, "failed": 0}
    assert key not in STATE.enrolled
    row = OutboxItem.objects.get(kind=OutboxKind.ENROLMENT, key=key)
    assert (row.status, row.payload["active"]) == (OutboxStatus.SYNCED, False)


def test_sessions_ended_long_ago_are_left_out(course, session, learner, confirm):
    old = SessionFactory(course=course, code="IAF-OLD", start=dt.date.today() - dt.timedelta(days=200))
    confirm(learner, old)
    reconcile(backend=DummyBackend())
    assert synced_keys(OutboxKind.COURSE) == {session.code}
    assert ("course", old.code) not in STATE.objects
    assert OutboxItem.objects.get(kind=OutboxKind.COURSE, key=old.code).status == OutboxStatus.PENDING


def test_a_cancelled_session_moodle_knows_is_hidden_and_one_it_never_knew_is_skipped(course, session):
    never_exported = SessionFactory(course=course, code="IAF-NEVER", status=SessionStatus.CANCELLED)
    OutboxItem.objects.filter(key=never_exported.code).delete()  # Moodle never heard of it
    session.status = SessionStatus.CANCELLED
    session.save()

    reconcile(backend=DummyBackend())
    assert STATE.objects[("course", session.code)][1].visible is False
    assert ("course", never_exported.code) not in STATE.objects


def test_a_refused_course_is_reported_and_recorded_and_its_enrolments_wait(session, two_learners):
    backend = RefusingBackend(refuse={session.code})
    summary = reconcile(backend=backend)

    assert counts(summary, OutboxKind.COURSE) == {"created": 0, "updated": 0, "unchanged": 0, "failed": 1}
    assert counts(summary, OutboxKind.ENROLMENT)["failed"] == 2
    (failure, *_rest) = summary.failures
    assert (failure.kind, failure.key, failure.error.errorcode) == (OutboxKind.COURSE, session.code, "shortnametaken")
    assert backend.enrolled_keys == []  # nothing sent for a course Moodle does not have

    row = OutboxItem.objects.get(kind=OutboxKind.COURSE, key=session.code)
    assert (row.status, row.error_kind, row.error_code) == (OutboxStatus.FAILED, ErrorKind.ITEM, "shortnametaken")
    assert "Short name is already used" in row.error_message
    waiting = OutboxItem.objects.filter(kind=OutboxKind.ENROLMENT)
    assert {(r.status, r.error_kind) for r in waiting} == {(OutboxStatus.FAILED, ErrorKind.DEPENDENCY)}
    assert {desired.user_idnumber(learner.pk) for learner in two_learners} <= synced_keys(OutboxKind.USER)


def test_progress_is_reported_up_to_the_total(session, two_learners):
    seen = []
    reconcile(backend=DummyBackend(), progress=lambda kind, done, total: seen.append((kind, done, total)))
    total = seen[0][2]
    assert seen[0][1] == 0
    assert seen[-1] == (OutboxKind.ENROLMENT, total, total)
    assert [done for _kind, done, _total in seen] == sorted(done for _kind, done, _total in seen)


def test_a_state_changed_after_the_run_read_our_data_is_left_for_the_drain(session):
    spec = desired.course_spec(session)
    read_at = timezone.now() - dt.timedelta(minutes=1)
    stale = desired.payload(spec) | {"fullname": "An older title"}
    row = OutboxItem.objects.get(kind=OutboxKind.COURSE, key=session.code)  # queued after read_at, by the signal

    record(
        OutboxKind.COURSE,
        [spec.__class__(**stale)],
        {spec.key: ItemResult(spec.key, Outcome.UPDATED, 7)},
        session_ids={},
        since=read_at,
    )
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING
    assert row.payload == desired.payload(spec)


# --- with the Moodle backend against the fake Moodle ----------------------------


@pytest.fixture
def fake():
    from tests.fakes.moodle import FakeMoodle

    return FakeMoodle()


def moodle_backend(fake):
    return MoodleBackend(client=MoodleClient("http://moodle.test", "fake-token", transport=fake.transport()))


def written(fake):
    return [function for function, _params in fake.calls if function in WRITE_FUNCTIONS]


def test_moodle_first_run_creates_the_course_users_and_enrolments(fake, session, two_learners):
    summary = reconcile(backend=moodle_backend(fake))
    assert summary.failed == 0
    course = fake.course_by_idnumber(session.code)
    assert course["fullname"] == desired.course_spec(session).fullname
    users = [fake.user_by_idnumber(desired.user_idnumber(learner.pk)) for learner in two_learners]
    assert [user["email"] for user in users] == [learner.email for learner in two_learners]
    assert {(course["id"], user["id"]) for user in users} <= set(fake.enrolments)
    assert summary.calls == len(fake.calls)


def test_moodle_second_run_changes_nothing_and_writes_nothing(fake, session, two_learners, other_session):
    reconcile(backend=moodle_backend(fake))
    fake.calls.clear()

    second = reconcile(backend=moodle_backend(fake))
    assert second.changes == 0
    assert second.failed == 0
    assert fake.calls, "the second run reads Moodle"
    assert written(fake) == []


def test_moodle_outbox_rows_hold_the_moodle_ids(fake, session, two_learners):
    reconcile(backend=moodle_backend(fake))
    row = OutboxItem.objects.get(kind=OutboxKind.COURSE, key=session.code)
    assert (row.status, row.moodle_id) == (OutboxStatus.SYNCED, fake.course_by_idnumber(session.code)["id"])
    learner = two_learners[0]
    user = OutboxItem.objects.get(kind=OutboxKind.USER, key=desired.user_idnumber(learner.pk))
    assert user.moodle_id == fake.user_by_idnumber(user.key)["id"]
    assert not OutboxItem.objects.exclude(status=OutboxStatus.SYNCED).exists()


def test_moodle_dry_run_reads_only(fake, session, two_learners):
    summary = reconcile(backend=moodle_backend(fake), dry_run=True)
    assert counts(summary, OutboxKind.COURSE)["created"] == 1
    assert counts(summary, OutboxKind.USER)["created"] == 2
    assert counts(summary, OutboxKind.ENROLMENT)["created"] == 2
    assert summary.failed == 0
    assert written(fake) == []
    assert fake.courses == {}
    assert fake.users == {}


def test_moodle_dry_run_after_a_change_reports_only_that_change(fake, session, two_learners):
    reconcile(backend=moodle_backend(fake))
    learner = two_learners[0]
    learner.last_name = "Durand"
    learner.save()

    summary = reconcile(backend=moodle_backend(fake), dry_run=True)
    assert counts(summary, OutboxKind.USER) == {"created": 0, "updated": 1, "unchanged": 1, "failed": 0}
    assert summary.changes == 1
    assert fake.user_by_idnumber(desired.user_idnumber(learner.pk))["lastname"] != "Durand"


def test_moodle_a_refused_user_is_reported_and_recorded_and_the_others_go_through(fake, session, two_learners):
    refused, accepted = two_learners
    fake.add_user("someone-else", email=refused.email, idnumber="another-platform-42")

    summary = reconcile(backend=moodle_backend(fake))
    assert counts(summary, OutboxKind.USER) == {"created": 1, "updated": 0, "unchanged": 0, "failed": 1}
    key = desired.user_idnumber(refused.pk)
    assert [(f.kind, f.key) for f in summary.failures] == [
        (OutboxKind.USER, key),
        (OutboxKind.ENROLMENT, f"{key}@{session.code}"),
    ]
    row = OutboxItem.objects.get(kind=OutboxKind.USER, key=key)
    assert (row.status, row.error_code) == (OutboxStatus.FAILED, "idnumbertaken")
    assert refused.email in row.error_message
    assert fake.user_by_idnumber(desired.user_idnumber(accepted.pk)) is not None


def test_moodle_session_limits_what_is_read_and_written(fake, session, two_learners, other_session):
    reconcile(backend=moodle_backend(fake), session_code=other_session.code)
    assert fake.course_by_idnumber(other_session.code) is not None
    assert fake.course_by_idnumber(session.code) is None
    assert len(fake.users) == 1
