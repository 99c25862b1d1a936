"""The outbox: written with the change, coalesced, drained in order, retried, paused."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from enrolments.models import EnrolmentStatus
from lms import drain as drain_module
from lms.backends.base import ItemResult, Outcome
from lms.backends.dummy import STATE, DummyBackend
from lms.drain import drain
from lms.models import OutboxItem, OutboxKind, OutboxStatus, QueueState
from lms.moodle.errors import ConfigurationError, ItemError, TransientError

pytestmark = pytest.mark.django_db


def rows(kind):
    return list(OutboxItem.objects.filter(kind=kind).order_by("key"))


class ScriptedBackend(DummyBackend):
    """The dummy LMS, with failures on demand and a log of the operations, in order."""

    def __init__(self, *args, fail=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fail = fail or {}  # operation name -> exception, or a set of keys to refuse
        self.log = []

    def _maybe_fail(self, operation, specs):
        self.log.append((operation, [s.key for s in specs]))
        failure = self.fail.get(operation)
        if isinstance(failure, Exception):
            raise failure
        return failure or set()

    def ensure_courses(self, specs, *, dry_run=False):
        refused = self._maybe_fail("courses", specs)
        ok = super().ensure_courses([s for s in specs if s.key not in refused], dry_run=dry_run)
        return ok + [ItemResult(k, Outcome.FAILED, error=ItemError("No", errorcode="shortnametaken")) for k in refused]

    def ensure_users(self, specs, *, dry_run=False):
        self._maybe_fail("users", specs)
        return super().ensure_users(specs, dry_run=dry_run)

    def ensure_categories(self, specs, *, dry_run=False):
        self._maybe_fail("categories", specs)
        return super().ensure_categories(specs, dry_run=dry_run)

    def enrol(self, specs, *, dry_run=False, force=False):
        self._maybe_fail("enrol", specs)
        return super().enrol(specs, dry_run=dry_run, force=force)

    def unenrol(self, specs, *, dry_run=False):
        self._maybe_fail("unenrol", specs)
        return super().unenrol(specs, dry_run=dry_run)


def test_a_session_queues_its_course_and_categories(session):
    (course,) = rows(OutboxKind.COURSE)
    assert course.key == "IAF-TST-2027-01"
    assert course.payload["fullname"].startswith("Apprentissage frugal — ")
    assert course.payload["visible"] is True
    assert course.session == session
    assert [c.key for c in rows(OutboxKind.CATEGORY)][0] == "ALLYS"
    assert course.payload["category_idnumber"] in {c.key for c in rows(OutboxKind.CATEGORY)}


def test_a_hold_queues_nothing_and_a_confirmation_queues_user_and_enrolment(session, learner, confirm):
    enrolment = confirm(learner, session, status=EnrolmentStatus.HELD)
    assert rows(OutboxKind.ENROLMENT) == []
    enrolment.status = EnrolmentStatus.CONFIRMED
    enrolment.save()
    (row,) = rows(OutboxKind.ENROLMENT)
    assert row.key == f"allys-{learner.pk}@IAF-TST-2027-01"
    assert row.payload["active"] is True
    assert row.payload["timestart"] < session.starts_at.timestamp() < row.payload["timeend"]
    (user,) = rows(OutboxKind.USER)
    assert user.payload["email"] == "Camille.Martin@example.org"


def test_changes_to_one_object_coalesce_into_one_row_with_the_latest_state(session):
    session.status = "cancelled"
    session.save()
    session.status = "scheduled"
    session.capacity = 30
    session.save()
    (course,) = rows(OutboxKind.COURSE)
    assert course.payload["visible"] is True
    session.status = "cancelled"
    session.save()
    course.refresh_from_db()
    assert course.payload["visible"] is False
    assert course.status == OutboxStatus.PENDING


def test_drain_sends_in_dependency_order_and_marks_rows_in_sync(session, learner, confirm):
    confirm(learner, session)
    backend = ScriptedBackend()
    report = drain(backend=backend)
    assert [op for op, _ in backend.log] == ["categories", "courses", "users", "enrol"]
    assert report.synced == OutboxItem.objects.count()
    assert set(OutboxItem.objects.values_list("status", flat=True)) == {OutboxStatus.SYNCED}
    assert f"allys-{learner.pk}@IAF-TST-2027-01" in STATE.enrolled
    # Nothing is due any more.
    assert drain(backend=backend).synced == 0


def test_a_withdrawal_after_export_unenrols(session, learner, confirm):
    enrolment = confirm(learner, session)
    drain(backend=ScriptedBackend())
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.save()
    (row,) = rows(OutboxKind.ENROLMENT)
    assert row.status == OutboxStatus.PENDING and row.payload["active"] is False
    backend = ScriptedBackend()
    drain(backend=backend)
    assert backend.log == [("unenrol", [row.key])]
    assert row.key not in STATE.enrolled


def test_an_enrolment_waits_for_its_course(session, learner, confirm):
    confirm(learner, session)
    backend = ScriptedBackend(fail={"courses": {"IAF-TST-2027-01"}})
    report = drain(backend=backend)
    assert report.failed == 1 and report.waiting == 1
    (enrolment,) = rows(OutboxKind.ENROLMENT)
    assert enrolment.status == OutboxStatus.PENDING
    assert "Waiting for course IAF-TST-2027-01" in enrolment.error_message
    assert not STATE.enrolled


def test_item_errors_retry_with_backoff_then_become_dead_letters(session, settings):
    settings.MOODLE_ITEM_MAX_ATTEMPTS = 3
    backend = ScriptedBackend(fail={"courses": {"IAF-TST-2027-01"}})
    for attempt in range(1, 4):
        OutboxItem.objects.update(next_attempt_at=timezone.now())
        drain(backend=backend)
        (course,) = rows(OutboxKind.COURSE)
        assert course.attempts == attempt
        assert course.error_code == "shortnametaken"
        assert course.next_attempt_at > timezone.now()
    assert course.status == OutboxStatus.DEAD
    OutboxItem.objects.update(next_attempt_at=timezone.now())
    assert drain(backend=backend).sent == 0  # a dead letter waits for staff


def test_a_transient_error_keeps_every_row_for_later(session, learner, confirm):
    confirm(learner, session)
    backend = ScriptedBackend(fail={"categories": TransientError("Connection refused")})
    report = drain(backend=backend)
    assert report.stopped
    assert [operation for operation, _ in backend.log] == ["categories"]
    for row in OutboxItem.objects.all():
        assert row.status == OutboxStatus.FAILED
        assert row.error_kind == "transient"
        assert row.next_attempt_at > timezone.now()
    # Moodle is back: everything goes through.
    OutboxItem.objects.update(next_attempt_at=timezone.now())
    report = drain(backend=ScriptedBackend())
    assert report.synced == OutboxItem.objects.count()


def test_transient_errors_never_make_dead_letters(session, settings):
    settings.MOODLE_ITEM_MAX_ATTEMPTS = 2
    backend = ScriptedBackend(fail={"categories": TransientError("timeout")})
    for _ in range(5):
        OutboxItem.objects.update(next_attempt_at=timezone.now())
        drain(backend=backend)
    assert not OutboxItem.objects.filter(status=OutboxStatus.DEAD).exists()
    # The delay grows but stays capped.
    assert drain_module.backoff(50) <= dt.timedelta(seconds=1.5 * settings.MOODLE_RETRY_MAX_SECONDS)
    assert drain_module.backoff(5) > drain_module.backoff(1) / 1.5 * 0.5


def test_a_configuration_error_pauses_the_queue_and_alerts_staff_once(
    session, settings, django_capture_on_commit_callbacks
):
    settings.MOODLE_ALERT_EMAILS = ["moodle-admin@allys.example"]
    backend = ScriptedBackend(fail={"categories": ConfigurationError("Invalid token", errorcode="invalidtoken")})
    with django_capture_on_commit_callbacks(execute=True):
        report = drain(backend=backend)
    assert report.paused
    (alert,) = mail.outbox
    assert alert.to == ["moodle-admin@allys.example"]
    assert "Invalid token" in alert.body
    # A second refusal during the same pause sends nothing more.
    QueueState.objects.update(last_probe_at=timezone.now() - dt.timedelta(minutes=6))
    with django_capture_on_commit_callbacks(execute=True):
        drain(backend=backend)
    assert len(mail.outbox) == 1
    assert QueueState.current().paused_at is not None
    for row in OutboxItem.objects.all():
        assert row.attempts == 0 and row.status == OutboxStatus.PENDING
    # While paused, nothing is sent; the probe runs at most every five minutes.
    assert drain(backend=ScriptedBackend()).paused
    QueueState.objects.update(last_probe_at=timezone.now() - dt.timedelta(minutes=6))
    assert drain(backend=ScriptedBackend()).synced == OutboxItem.objects.count()
    assert QueueState.current().paused_at is None


def test_a_change_made_while_a_row_is_in_flight_is_sent_next_time(session):
    class ChangingBackend(ScriptedBackend):
        def ensure_courses(self, specs, *, dry_run=False):
            session.capacity += 1
            session.status = "cancelled"
            session.save()
            return super().ensure_courses(specs, dry_run=dry_run)

    drain(backend=ChangingBackend())
    (course,) = rows(OutboxKind.COURSE)
    assert course.status == OutboxStatus.PENDING
    assert course.payload["visible"] is False
    drain(backend=ScriptedBackend())
    course.refresh_from_db()
    assert course.status == OutboxStatus.SYNCED


def test_new_session_dates_give_every_exported_learner_new_access_dates(session, learner, confirm):
    confirm(learner, session)
    drain(backend=ScriptedBackend())
    (before,) = rows(OutboxKind.ENROLMENT)
    for slot in session.slots.all():
        slot.date += dt.timedelta(days=7)
        slot.save()
    session.save()
    (after,) = rows(OutboxKind.ENROLMENT)
    assert after.status == OutboxStatus.PENDING
    assert after.payload["timestart"] - before.payload["timestart"] == 7 * 24 * 3600
    backend = ScriptedBackend()
    drain(backend=backend)
    assert [operation for operation, _ in backend.log] == ["courses", "enrol"]


def test_once_moodle_has_the_enrolment_the_learner_gets_the_course_link(session, learner, confirm):
    class LinkingBackend(ScriptedBackend):
        def course_url(self, moodle_id):
            return f"https://moodle.example.org/course/view.php?id={moodle_id}"

    enrolment = confirm(learner, session)
    drain(backend=LinkingBackend())
    enrolment.refresh_from_db()
    course = OutboxItem.objects.get(kind=OutboxKind.COURSE)
    assert enrolment.lms_course_url == f"https://moodle.example.org/course/view.php?id={course.moodle_id}"
