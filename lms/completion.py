"""Pull course completion from the LMS and complete the enrolments it reports completed.

Asked about: confirmed enrolments in sessions that have started and ended at
most ``MOODLE_COMPLETION_LOOKBACK_DAYS`` ago, whose enrolment Moodle holds
(their outbox row is in sync). Moodle answers "unknown" for a course without
completion criteria (``nocriteriaset``): that leaves the enrolment confirmed,
it is not a failure.

A ``TransientError`` or ``ConfigurationError`` from the backend propagates:
enrolments completed by earlier batches stay completed, and the next run
asks about the rest again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from enrolments.models import Enrolment, EnrolmentStatus
from enrolments.services.completion import complete_enrolment
from enrolments.services.errors import TransitionNotAllowed
from lms.backends import get_backend
from lms.backends.base import CompletionState, CompletionStatus, LmsBackend, enrolment_key
from lms.desired import user_idnumber
from lms.drain import known_ids
from lms.models import OutboxItem, OutboxKind, OutboxStatus

logger = logging.getLogger(__name__)

#: Pairs asked about in one call to the backend.
BATCH_SIZE = 200


@dataclass
class CompletionReport:
    checked: int = 0
    completed: int = 0
    in_progress: int = 0
    unknown: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "completed": self.completed,
            "in_progress": self.in_progress,
            "unknown": self.unknown,
        }


def candidates(*, now: dt.datetime, session_code: str | None = None) -> list[Enrolment]:
    """Confirmed enrolments whose completion is worth asking about, oldest session first.

    With ``session_code``, that session's only, whatever its end date: an
    administrator asks on purpose. The session must have started.
    """
    queryset = Enrolment.objects.filter(status=EnrolmentStatus.CONFIRMED, session__starts_at__lte=now)
    if session_code:
        queryset = queryset.filter(session__code=session_code)
    else:
        since = now - dt.timedelta(days=settings.MOODLE_COMPLETION_LOOKBACK_DAYS)
        queryset = queryset.filter(session__ends_at__gte=since)
    return list(queryset.select_related("session").order_by("session__starts_at", "session__code", "pk"))


def _pair(enrolment: Enrolment) -> tuple[str, str]:
    return enrolment.session.code, user_idnumber(enrolment.learner_id)


def _key(enrolment: Enrolment) -> str:
    course, user = _pair(enrolment)
    return enrolment_key(user, course)


def in_moodle(enrolments: list[Enrolment]) -> list[Enrolment]:
    """Those whose enrolment row is in sync, i.e. Moodle holds the enrolment (one query per batch)."""
    kept = []
    for start in range(0, len(enrolments), BATCH_SIZE):
        batch = enrolments[start : start + BATCH_SIZE]
        synced = set(
            OutboxItem.objects.filter(
                kind=OutboxKind.ENROLMENT, status=OutboxStatus.SYNCED, key__in=[_key(e) for e in batch]
            ).values_list("key", flat=True)
        )
        kept.extend(e for e in batch if _key(e) in synced)
    return kept


def _completed_at(status: CompletionStatus, now: dt.datetime) -> dt.datetime:
    if status.completed_at:
        return dt.datetime.fromtimestamp(status.completed_at, tz=dt.UTC)
    return now


def _apply(
    enrolment: Enrolment, status: CompletionStatus | None, *, now: dt.datetime, report: CompletionReport
) -> None:
    state = status.state if status else CompletionState.UNKNOWN
    if state == CompletionState.IN_PROGRESS:
        report.in_progress += 1
    elif state == CompletionState.COMPLETED:
        try:
            completed = complete_enrolment(
                enrolment, completed_at=_completed_at(status, now), details=list(status.details)
            )
        except TransitionNotAllowed:
            # Withdrawn or cancelled since we read it: nothing to complete.
            logger.info("Completion ignored: enrolment no longer confirmed", extra={"enrolment_id": enrolment.pk})
            return
        report.completed += int(completed)
    else:
        report.unknown += 1


def pull_completion(
    *, backend: LmsBackend | None = None, now: dt.datetime | None = None, session_code: str | None = None
) -> CompletionReport:
    """Ask the LMS about every candidate enrolment, in batches, and complete those it says are completed."""
    now = now or timezone.now()
    report = CompletionReport()
    enrolments = in_moodle(candidates(now=now, session_code=session_code))
    if not enrolments:
        return report
    # The Moodle ids the outbox already knows spare the backend a lookup per course and user.
    backend = backend or get_backend(known_ids())
    if backend is None:  # the LMS export is off
        return report
    for start in range(0, len(enrolments), BATCH_SIZE):
        batch = enrolments[start : start + BATCH_SIZE]
        statuses = backend.completion([_pair(e) for e in batch])
        by_pair = {(s.course_idnumber, s.user_idnumber): s for s in statuses}
        for enrolment in batch:
            report.checked += 1
            _apply(enrolment, by_pair.get(_pair(enrolment)), now=now, report=report)
    logger.info("Moodle completion pulled", extra=report.as_dict())
    return report
