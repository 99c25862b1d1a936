"""The full reconcile: bring Moodle to what our data says, writing only the differences.

The outbox sends each change as it happens; the reconcile is the safety net (a
first export, a restored Moodle, rows lost to a bug). It computes the desired
state of every object from our data, hands it to the backend, which reads Moodle
in bulk and writes only what differs, and records the outcome in the outbox, so
that the outbox and Moodle agree afterwards. Run it twice and the second run
changes nothing.

Objects go in dependency order (categories, courses, users, organisation
cohorts, enrolments, organisation groups), in
chunks, so that a long run can report its progress. An object whose dependency
was refused is not sent: it fails as "waiting", and the drain sends it once the
dependency is in sync.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Session, SessionStatus
from lms import desired
from lms.backends.base import (
    CategorySpec,
    CohortSpec,
    CourseSpec,
    EnrolmentSpec,
    GroupSpec,
    ItemResult,
    LmsBackend,
    Outcome,
    UserSpec,
    enrolment_key,
)
from lms.drain import backoff
from lms.models import ErrorKind, OutboxItem, OutboxKind, OutboxStatus
from lms.moodle.errors import ItemError

# Specs per backend call: small enough to report progress, large enough to batch well.
CHUNK_SIZE = 200
KINDS = (
    OutboxKind.CATEGORY,
    OutboxKind.COURSE,
    OutboxKind.USER,
    OutboxKind.COHORT,
    OutboxKind.ENROLMENT,
    OutboxKind.GROUP,
)
DEPENDENCY_ERRORCODE = "dependency"

Progress = Callable[[str, int, int], None]


class UnknownSession(LookupError):
    """``--session`` names no session."""


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0

    @property
    def changes(self) -> int:
        return self.created + self.updated

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed

    def add(self, outcome: Outcome) -> None:
        name = str(outcome)
        setattr(self, name, getattr(self, name) + 1)


@dataclass(frozen=True)
class ReconcileFailure:
    kind: str
    key: str
    error: ItemError


@dataclass
class ReconcileSummary:
    """What the reconcile did (or would do, in a dry run), per kind of object."""

    dry_run: bool = False
    counts: dict[str, KindCounts] = field(default_factory=lambda: {kind: KindCounts() for kind in KINDS})
    failures: list[ReconcileFailure] = field(default_factory=list)
    calls: int = 0  # web-service calls

    @property
    def changes(self) -> int:
        return sum(counts.changes for counts in self.counts.values())

    @property
    def failed(self) -> int:
        return sum(counts.failed for counts in self.counts.values())


@dataclass
class DesiredState:
    """Every object the reconcile must bring to Moodle, in dependency order."""

    categories: list[CategorySpec]
    courses: list[CourseSpec]
    users: list[UserSpec]
    enrolments: list[EnrolmentSpec]
    cohorts: list[CohortSpec]
    groups: list[GroupSpec]
    # Session code -> session id, to link course and enrolment rows to their session in the admin.
    session_ids: dict[str, int]

    def specs(self, kind: str) -> list:
        return {
            OutboxKind.CATEGORY: self.categories,
            OutboxKind.COURSE: self.courses,
            OutboxKind.USER: self.users,
            OutboxKind.ENROLMENT: self.enrolments,
            OutboxKind.COHORT: self.cohorts,
            OutboxKind.GROUP: self.groups,
        }[kind]

    @property
    def total(self) -> int:
        return sum(len(self.specs(kind)) for kind in KINDS)


def sessions_in_scope(*, session_code: str | None = None, now: dt.datetime | None = None) -> list[Session]:
    """The sessions whose course Moodle must hold.

    Scheduled sessions not ended more than ``MOODLE_COMPLETION_LOOKBACK_DAYS`` ago, and
    cancelled ones Moodle already knows (their course is hidden). With ``session_code``,
    that session alone, whatever its dates.
    """
    exported = OutboxItem.objects.filter(kind=OutboxKind.COURSE).values("key")
    in_moodle = Q(status=SessionStatus.SCHEDULED) | Q(status=SessionStatus.CANCELLED, code__in=exported)
    sessions = Session.objects.select_related("course").filter(in_moodle)
    if session_code:
        if not Session.objects.filter(code=session_code).exists():
            raise UnknownSession(_("No session has the code %s.") % session_code)
        return list(sessions.filter(code=session_code))
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.MOODLE_COMPLETION_LOOKBACK_DAYS)
    return list(sessions.filter(ends_at__gte=cutoff))


def desired_state(sessions: Iterable[Session]) -> DesiredState:
    """The specs of the sessions' courses, their categories, learners and enrolments."""
    sessions = list(sessions)
    categories: dict[str, CategorySpec] = {}
    seen_courses: set[int] = set()
    for session in sessions:
        if session.course_id in seen_courses:
            continue
        seen_courses.add(session.course_id)
        for category in desired.course_categories(session.course.specific):
            categories.setdefault(category.key, category)  # parents come first
    enrolments = sorted(desired.session_enrolment_specs(sessions), key=lambda s: (s.course_idnumber, s.user_idnumber))
    user_ids = {int(spec.user_idnumber.removeprefix("allys-")) for spec in enrolments}
    users = [desired.user_spec(user) for user in get_user_model().objects.filter(pk__in=user_ids).order_by("pk")]
    cohorts, groups = desired.organisation_specs(sessions)
    return DesiredState(
        categories=list(categories.values()),
        courses=[desired.course_spec(session) for session in sessions],
        users=users,
        enrolments=enrolments,
        cohorts=cohorts,
        groups=groups,
        session_ids={session.code: session.pk for session in sessions},
    )


def reconcile(
    *,
    backend: LmsBackend,
    dry_run: bool = False,
    session_code: str | None = None,
    progress: Progress | None = None,
) -> ReconcileSummary:
    """Bring Moodle to our data and record the outcome in the outbox; see the module docstring.

    Raises ``UnknownSession`` for an unknown ``session_code``, and lets the backend's
    ``TransientError`` and ``ConfigurationError`` through (the chunks already sent are
    recorded).
    """
    started = timezone.now()
    state = desired_state(sessions_in_scope(session_code=session_code))
    run = _Run(backend=backend, dry_run=dry_run, state=state, started=started, progress=progress)
    calls_before = backend.calls
    try:
        run.apply()
    finally:
        run.summary.calls = backend.calls - calls_before
    return run.summary


@dataclass
class _Run:
    backend: LmsBackend
    dry_run: bool
    state: DesiredState
    started: dt.datetime
    progress: Progress | None
    summary: ReconcileSummary = field(init=False)
    # Keys per kind: refused in this run, or to be created by it (dry run only).
    refused: dict[str, set[str]] = field(default_factory=dict)
    planned: dict[str, set[str]] = field(default_factory=dict)
    done: int = 0

    def __post_init__(self) -> None:
        self.summary = ReconcileSummary(dry_run=self.dry_run)

    def apply(self) -> None:
        total = self.state.total
        self._report(KINDS[0], total)
        for kind in KINDS:
            self.refused[kind], self.planned[kind] = set(), set()
            specs = self.state.specs(kind)
            for start in range(0, len(specs), CHUNK_SIZE):
                chunk = specs[start : start + CHUNK_SIZE]
                results = self._apply_chunk(kind, chunk)
                self._count(kind, chunk, results)
                if not self.dry_run:
                    record(kind, chunk, results, session_ids=self.state.session_ids, since=self.started)
                self.done += len(chunk)
                self._report(kind, total)

    def _report(self, kind: str, total: int) -> None:
        if self.progress:
            self.progress(kind, self.done, total)

    def _apply_chunk(self, kind: str, specs: list) -> dict[str, ItemResult]:
        """Send the specs whose dependencies are in place; settle the others here."""
        results: dict[str, ItemResult] = {}
        to_send = []
        for spec in specs:
            needs = dependencies(kind, spec)
            refused = [f"{OutboxKind(k).label} {key}" for k, key in needs if key in self.refused.get(k, ())]
            if refused:
                message = _("Waiting for %s, which Moodle refused.") % ", ".join(refused)
                error = ItemError(message, errorcode=DEPENDENCY_ERRORCODE)
                results[spec.key] = ItemResult(spec.key, Outcome.FAILED, error=error)
            elif self.dry_run and any(key in self.planned.get(k, ()) for k, key in needs):
                # Its course, user or parent does not exist yet: it would be created with them.
                removing = kind == OutboxKind.ENROLMENT and not spec.active
                results[spec.key] = ItemResult(spec.key, Outcome.UNCHANGED if removing else Outcome.CREATED)
            else:
                to_send.append(spec)
        for result in self._send(kind, to_send):
            results[result.key] = result
        return results

    def _send(self, kind: str, specs: list) -> list[ItemResult]:
        if not specs:
            return []
        backend, dry_run = self.backend, self.dry_run
        if kind == OutboxKind.ENROLMENT:
            enrol = [spec for spec in specs if spec.active]
            unenrol = [spec for spec in specs if not spec.active]
            return (backend.enrol(enrol, dry_run=dry_run) if enrol else []) + (
                backend.unenrol(unenrol, dry_run=dry_run) if unenrol else []
            )
        operation = {
            OutboxKind.CATEGORY: backend.ensure_categories,
            OutboxKind.COURSE: backend.ensure_courses,
            OutboxKind.USER: backend.ensure_users,
            OutboxKind.COHORT: backend.ensure_cohorts,
            OutboxKind.GROUP: backend.ensure_groups,
        }[kind]
        return operation(specs, dry_run=dry_run)

    def _count(self, kind: str, specs: list, results: dict[str, ItemResult]) -> None:
        counts = self.summary.counts[kind]
        for spec in specs:
            result = results.get(spec.key) or _unanswered(spec.key)
            results[spec.key] = result
            counts.add(result.outcome)
            if result.outcome == Outcome.FAILED:
                self.refused[kind].add(spec.key)
                self.summary.failures.append(ReconcileFailure(kind, spec.key, result.error or _unanswered_error()))
            elif result.outcome == Outcome.CREATED and self.dry_run:
                self.planned[kind].add(spec.key)


def dependencies(kind: str, spec) -> list[tuple[str, str]]:
    """The objects Moodle needs before this one, as (kind, key)."""
    if kind == OutboxKind.CATEGORY:
        return [(OutboxKind.CATEGORY, spec.parent_idnumber)] if spec.parent_idnumber else []
    if kind == OutboxKind.COURSE:
        return [(OutboxKind.CATEGORY, spec.category_idnumber)]
    if kind == OutboxKind.ENROLMENT:
        return [(OutboxKind.COURSE, spec.course_idnumber), (OutboxKind.USER, spec.user_idnumber)]
    if kind == OutboxKind.COHORT:
        return [(OutboxKind.USER, member) for member in spec.members]
    if kind == OutboxKind.GROUP:
        members = [(OutboxKind.ENROLMENT, enrolment_key(m, spec.course_idnumber)) for m in spec.members]
        return [(OutboxKind.COURSE, spec.course_idnumber), *members]
    return []


def _unanswered_error() -> ItemError:
    return ItemError(_("The LMS did not answer for this item."))


def _unanswered(key: str) -> ItemResult:
    return ItemResult(key, Outcome.FAILED, error=_unanswered_error())


# --- the outbox -------------------------------------------------------------


def record(
    kind: str, specs: list, results: dict[str, ItemResult], *, session_ids: dict[str, int], since: dt.datetime
) -> None:
    """Make the outbox say what Moodle now holds: synced rows, and failed rows with their error.

    A row whose desired state changed after ``since`` (the reconcile read our data
    before that change) is left for the drain, which will send the newer state. Rows
    already in sync with the same state are not written again.
    """
    now = timezone.now()
    rows = {row.key: row for row in OutboxItem.objects.filter(kind=kind, key__in=[spec.key for spec in specs])}
    new_rows = []
    with transaction.atomic():
        for spec in specs:
            result = results[spec.key]
            payload = desired.payload(spec)
            session_id = _session_id(kind, spec, session_ids)
            row = rows.get(spec.key)
            if row is None:
                new_rows.append(_new_row(kind, spec.key, payload, result, session_id, now))
                continue
            if row.payload != payload and row.updated_at > since:
                continue
            if result.ok and _in_sync(row, payload, result, session_id):
                continue
            values = _synced_values(result, now) if result.ok else _failed_values(row, result, now)
            if row.payload != payload:
                values |= {"payload": payload, "revision": uuid.uuid4(), "updated_at": now}
            # Compare-and-set on the revision: a change queued since we read the row wins.
            OutboxItem.objects.filter(pk=row.pk, revision=row.revision).update(session_id=session_id, **values)
        OutboxItem.objects.bulk_create(new_rows, ignore_conflicts=True)


def _session_id(kind: str, spec, session_ids: dict[str, int]) -> int | None:
    if kind == OutboxKind.COURSE:
        return session_ids.get(spec.idnumber)
    if kind in (OutboxKind.ENROLMENT, OutboxKind.GROUP):
        return session_ids.get(spec.course_idnumber)
    return None


def _in_sync(row: OutboxItem, payload: dict, result: ItemResult, session_id: int | None) -> bool:
    return (
        row.status == OutboxStatus.SYNCED
        and row.payload == payload
        and row.session_id == session_id
        and (result.moodle_id is None or row.moodle_id == result.moodle_id)
    )


def _synced_values(result: ItemResult, now: dt.datetime, *, new: bool = False) -> dict:
    moodle_id = result.moodle_id
    if moodle_id is None and not new:
        moodle_id = F("moodle_id")  # an enrolment has no id of its own: keep what the row knows
    return {
        "status": OutboxStatus.SYNCED,
        "attempts": 0,
        "next_attempt_at": now,
        "synced_at": now,
        "moodle_id": moodle_id,
        "error_kind": "",
        "error_code": "",
        "error_message": "",
    }


def _failed_values(row: OutboxItem | None, result: ItemResult, now: dt.datetime) -> dict:
    """A failed row the drain will retry; one waiting for a dependency goes as soon as that is in sync."""
    error = result.error or _unanswered_error()
    attempts = row.attempts if row else 0
    if error.errorcode == DEPENDENCY_ERRORCODE:
        return {
            "status": OutboxStatus.FAILED,
            "attempts": attempts,
            "next_attempt_at": now,
            "error_kind": ErrorKind.DEPENDENCY,
            "error_code": "",
            "error_message": str(error.message)[:2000],
        }
    return {
        "status": OutboxStatus.FAILED,
        "attempts": attempts + 1,
        "next_attempt_at": now + backoff(attempts + 1),
        "error_kind": ErrorKind.ITEM,
        "error_code": (error.errorcode or "")[:255],
        "error_message": str(error.message)[:2000],
    }


def _new_row(kind: str, key: str, payload: dict, result: ItemResult, session_id: int | None, now) -> OutboxItem:
    values = _synced_values(result, now, new=True) if result.ok else _failed_values(None, result, now)
    return OutboxItem(kind=kind, key=key, payload=payload, session_id=session_id, **values)
