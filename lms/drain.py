"""Send the outbox to the LMS: claim due rows, send them in dependency order, record the outcome.

- Rows are claimed for a few minutes, so several drainers never send the same row.
- Kinds go in ``KIND_ORDER``. An enrolment waits until its course and its user
  are in sync; a course waits for its category.
- A row is marked synced only if its revision is still the one sent: a change
  made meanwhile is sent on the next pass.
- A transient error (Moodle down, slow, 5xx) stops the pass; the rows retry with
  a capped exponential backoff, forever. An item error retries a few times, then
  the row becomes a dead letter. A configuration error pauses the queue.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from enrolments.models import Enrolment
from enrolments.models.enrolment import PLACE_USING_STATUSES
from lms import desired, queue
from lms.backends import get_backend
from lms.backends.base import (
    CategorySpec,
    CohortSpec,
    CourseSpec,
    EnrolmentSpec,
    GroupSpec,
    ItemResult,
    KnownIds,
    LmsBackend,
    UserSpec,
    enrolment_key,
)
from lms.models import DUE_STATUSES, KIND_ORDER, ErrorKind, OutboxItem, OutboxKind, OutboxStatus
from lms.moodle.errors import ConfigurationError, ItemError, MoodleError, TransientError

logger = logging.getLogger(__name__)

SPEC_CLASSES = {
    OutboxKind.CATEGORY: CategorySpec,
    OutboxKind.COURSE: CourseSpec,
    OutboxKind.USER: UserSpec,
    OutboxKind.COHORT: CohortSpec,
    OutboxKind.ENROLMENT: EnrolmentSpec,
    OutboxKind.GROUP: GroupSpec,
}
CLAIM_SECONDS = 300
DEPENDENCY_WAIT_SECONDS = 30


@dataclasses.dataclass
class DrainReport:
    synced: int = 0
    failed: int = 0
    dead: int = 0
    waiting: int = 0
    calls: int = 0
    paused: bool = False
    stopped: str = ""  # why the pass stopped early

    @property
    def sent(self) -> int:
        return self.synced + self.failed + self.dead


def backoff(attempts: int) -> dt.timedelta:
    """Exponential, capped, with jitter so that retries of many rows spread out."""
    base = settings.MOODLE_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(settings.MOODLE_RETRY_MAX_SECONDS, base) * random.uniform(0.5, 1.5))


def due_rows() -> Q:
    now = timezone.now()
    return Q(status__in=DUE_STATUSES, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def claim(limit: int) -> list[OutboxItem]:
    now = timezone.now()
    with transaction.atomic():
        rows = OutboxItem.objects.filter(due_rows()).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        claimed = list(rows[:limit])
        OutboxItem.objects.filter(pk__in=[r.pk for r in claimed]).update(
            claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS)
        )
    return claimed


def known_ids(rows: list[OutboxItem] | None = None) -> KnownIds:
    """The Moodle ids the outbox knows: all of them, or only those ``rows`` need."""
    known = KnownIds()
    targets = {OutboxKind.CATEGORY: known.categories, OutboxKind.COURSE: known.courses, OutboxKind.USER: known.users}
    found = OutboxItem.objects.filter(kind__in=targets, moodle_id__isnull=False)
    if rows is not None:
        courses = {r.payload.get("course_idnumber") or r.key for r in rows if r.kind != OutboxKind.USER}
        users = {r.payload.get("user_idnumber") or r.key for r in rows if r.kind != OutboxKind.COURSE}
        found = found.filter(
            Q(kind=OutboxKind.CATEGORY)
            | Q(kind=OutboxKind.COURSE, key__in=courses)
            | Q(kind=OutboxKind.USER, key__in=users)
        )
    for kind, key, moodle_id in found.values_list("kind", "key", "moodle_id").iterator():
        targets[kind][key] = moodle_id
    return known


def _merge(into: KnownIds, known: KnownIds) -> None:
    into.categories.update(known.categories)
    into.courses.update(known.courses)
    into.users.update(known.users)


def drain(*, backend: LmsBackend | None = None, limit: int = 5000, passes: int = 1) -> DrainReport:
    """Send what is due, up to ``passes`` times ``limit`` rows. Returns what happened."""
    report = DrainReport()
    if queue.is_paused():
        backend = backend or get_backend()
        if backend is None or not queue.probe_due():
            report.paused = True
            return report
        try:
            backend.site_info()
        except MoodleError as error:
            logger.info("Moodle still unavailable: %s", error)
            report.paused = True
            return report
        queue.resume()
    for _ in range(passes):
        rows = claim(limit)
        if not rows:
            break
        known = known_ids(rows)
        backend = backend or get_backend(known)
        if backend is None:
            _release(rows)
            break
        _merge(backend.known, known)
        calls_before = backend.calls
        _send(backend, rows, report)
        report.calls += backend.calls - calls_before
        if report.stopped or report.paused:
            break
    if report.synced and not report.paused:
        queue.healthy()
    return report


def _send(backend: LmsBackend, rows: list[OutboxItem], report: DrainReport) -> None:
    by_kind: dict[str, list[OutboxItem]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    pending = [kind for kind in KIND_ORDER if by_kind.get(kind)]
    for index, kind in enumerate(pending):
        batch = _ready(kind, by_kind[kind], report)
        if not batch:
            continue
        try:
            results = _apply(backend, kind, batch)
        except TransientError as error:
            report.stopped = str(error)
            for later in pending[index:]:
                _retry(by_kind[later], ErrorKind.TRANSIENT, error, report)
            return
        except ConfigurationError as error:
            queue.pause(str(error))
            report.paused = True
            for later in pending[index:]:
                _release(by_kind[later], error=error)
            return
        _record(kind, batch, results, backend, report)


def _ready(kind: str, rows: list[OutboxItem], report: DrainReport) -> list[OutboxItem]:
    """The rows whose dependencies are in sync; the others wait a little."""
    needs: dict[OutboxItem, list[tuple[str, str]]] = {}
    for row in rows:
        if kind == OutboxKind.COURSE:
            needs[row] = [(OutboxKind.CATEGORY, row.payload["category_idnumber"])]
        elif kind in (OutboxKind.ENROLMENT, OutboxKind.GROUP):
            needs[row] = [(OutboxKind.COURSE, row.payload["course_idnumber"])]
            if kind == OutboxKind.ENROLMENT:
                needs[row].append((OutboxKind.USER, row.payload["user_idnumber"]))
            else:
                # Moodle only puts enrolled users in a group.
                course = row.payload["course_idnumber"]
                needs[row] += [(OutboxKind.ENROLMENT, enrolment_key(m, course)) for m in row.payload["members"]]
        elif kind == OutboxKind.COHORT:
            needs[row] = [(OutboxKind.USER, member) for member in row.payload["members"]]
    if not needs:
        return rows
    wanted = {pair for pairs in needs.values() for pair in pairs}
    synced = set(
        OutboxItem.objects.filter(
            kind__in={k for k, _ in wanted}, key__in={key for _, key in wanted}, status=OutboxStatus.SYNCED
        ).values_list("kind", "key")
    )
    ready, waiting = [], []
    for row in rows:
        missing = [f"{k} {key}" for k, key in needs.get(row, []) if (k, key) not in synced]
        (waiting if missing else ready).append(row)
        if missing:
            row.error_message = "Waiting for " + ", ".join(missing)
    for row in waiting:
        OutboxItem.objects.filter(pk=row.pk).update(
            claimed_until=None,
            next_attempt_at=timezone.now() + dt.timedelta(seconds=DEPENDENCY_WAIT_SECONDS),
            error_kind=ErrorKind.DEPENDENCY,
            error_message=row.error_message,
        )
    report.waiting += len(waiting)
    return ready


def _apply(backend: LmsBackend, kind: str, rows: list[OutboxItem]) -> dict[str, ItemResult]:
    specs = [desired.spec_from_payload(SPEC_CLASSES[kind], row.payload) for row in rows]
    if kind == OutboxKind.ENROLMENT:
        enrol, unenrol = [s for s in specs if s.active], [s for s in specs if not s.active]
        results = (backend.enrol(enrol, force=True) if enrol else []) + (backend.unenrol(unenrol) if unenrol else [])
    else:
        operation = {
            OutboxKind.CATEGORY: backend.ensure_categories,
            OutboxKind.COURSE: backend.ensure_courses,
            OutboxKind.USER: backend.ensure_users,
            OutboxKind.COHORT: backend.ensure_cohorts,
            OutboxKind.GROUP: backend.ensure_groups,
        }[kind]
        results = operation(specs)
    return {result.key: result for result in results}


def _record(kind: str, rows: list[OutboxItem], results: dict[str, ItemResult], backend, report: DrainReport) -> None:
    now = timezone.now()
    failures, linked = [], []
    with transaction.atomic():
        for row in rows:
            result = results.get(row.key)
            if result is None or not result.ok:
                error = result.error if result else ItemError("The LMS did not answer for this item.")
                failures.append((row, error))
                continue
            synced = OutboxItem.objects.filter(pk=row.pk, revision=row.revision).update(
                status=OutboxStatus.SYNCED,
                attempts=0,
                claimed_until=None,
                synced_at=now,
                moodle_id=result.moodle_id if result.moodle_id is not None else F("moodle_id"),
                error_kind="",
                error_code="",
                error_message="",
            )
            if not synced:  # changed while in flight: send the new state next time
                OutboxItem.objects.filter(pk=row.pk).update(claimed_until=None)
            report.synced += 1
            if kind == OutboxKind.ENROLMENT and row.payload["active"]:
                linked.append(row)
        for row, error in failures:
            _fail(row, ErrorKind.ITEM, error, report)
        if linked:
            _link_courses(linked, backend)


def _link_courses(rows: list[OutboxItem], backend: LmsBackend) -> None:
    """Show learners where to follow their course once Moodle has them: one update per course."""
    learners: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        learners[row.payload["course_idnumber"]].append(int(row.payload["user_idnumber"].removeprefix("allys-")))
    courses = OutboxItem.objects.filter(kind=OutboxKind.COURSE, key__in=learners, moodle_id__isnull=False)
    for code, moodle_id in courses.values_list("key", "moodle_id"):
        url = backend.course_url(moodle_id)
        if url:
            Enrolment.objects.filter(
                learner_id__in=learners[code], session__code=code, status__in=PLACE_USING_STATUSES
            ).exclude(lms_course_url=url).update(lms_course_url=url)


def _fail(row: OutboxItem, kind: str, error: MoodleError, report: DrainReport) -> None:
    attempts = row.attempts + 1
    dead = kind == ErrorKind.ITEM and attempts >= settings.MOODLE_ITEM_MAX_ATTEMPTS
    OutboxItem.objects.filter(pk=row.pk, revision=row.revision).update(
        status=OutboxStatus.DEAD if dead else OutboxStatus.FAILED,
        attempts=attempts,
        next_attempt_at=timezone.now() + backoff(attempts),
        claimed_until=None,
        error_kind=kind,
        error_code=(error.errorcode or "")[:255],
        error_message=str(error.message)[:2000],
    )
    OutboxItem.objects.filter(pk=row.pk).exclude(revision=row.revision).update(claimed_until=None)
    if dead:
        report.dead += 1
        logger.warning("Moodle dead letter %s %s: %s", row.kind, row.key, error)
    else:
        report.failed += 1


def _retry(rows: list[OutboxItem], kind: str, error: MoodleError, report: DrainReport) -> None:
    """Put back a whole batch after a transient error: one update per attempt count."""
    by_attempts: dict[int, list[OutboxItem]] = defaultdict(list)
    for row in rows:
        by_attempts[row.attempts + 1].append(row)
    for attempts, group in by_attempts.items():
        OutboxItem.objects.filter(pk__in=[r.pk for r in group]).update(
            status=OutboxStatus.FAILED,
            attempts=attempts,
            next_attempt_at=timezone.now() + backoff(attempts),
            claimed_until=None,
            error_kind=kind,
            error_code=(error.errorcode or "")[:255],
            error_message=str(error.message)[:2000],
        )
    report.failed += len(rows)


def _release(rows: list[OutboxItem], error: MoodleError | None = None) -> None:
    """Give rows back untouched (paused queue): they go as soon as it resumes."""
    values = {"claimed_until": None}
    if error:
        values |= {"error_kind": ErrorKind.CONFIGURATION, "error_code": error.errorcode[:255]}
        values["error_message"] = str(error)
    OutboxItem.objects.filter(pk__in=[r.pk for r in rows]).update(**values)
