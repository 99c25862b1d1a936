"""Each session's Moodle status, as the session admin shows it: a selector, no writes.

A session's rows are its course row and the rows of its learners' enrolments
(and groups): every outbox row whose ``session`` is the session. The status is
the worst of them:

- failed: a row failed or is a dead letter (staff should look at it);
- pending: a row waits to be sent;
- not exported: the session has no course row, or its course never reached Moodle;
- in sync: Moodle holds what we hold.

A page of sessions costs two queries, whatever the number of enrolments.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from lms.backends import get_backend
from lms.models import OutboxItem, OutboxKind, OutboxStatus
from lms.moodle.errors import MoodleError


class SessionLmsState(models.TextChoices):
    NOT_EXPORTED = "not_exported", _("Not exported")
    IN_SYNC = "in_sync", _("In sync")
    PENDING = "pending", _("Pending")
    FAILED = "failed", _("Failed")


@dataclass(frozen=True)
class SessionLmsStatus:
    state: SessionLmsState
    label: str
    course_url: str = ""  # the Moodle course, once Moodle has it
    failed: int = 0  # failed and dead-letter rows of the session
    pending: int = 0


def session_state(*, has_course: bool, course_synced: bool, failed: int, pending: int) -> SessionLmsState:
    """The state from the session's row counts: failures first, then work in flight."""
    if not has_course:
        return SessionLmsState.NOT_EXPORTED
    if failed:
        return SessionLmsState.FAILED
    if pending:
        return SessionLmsState.PENDING
    return SessionLmsState.IN_SYNC if course_synced else SessionLmsState.NOT_EXPORTED


def session_statuses(session_ids: Iterable[int]) -> dict[int, SessionLmsStatus]:
    """The Moodle status of each session, by session id (every id given has one)."""
    ids = list(dict.fromkeys(session_ids))
    if not ids:
        return {}
    counts: dict[int, Counter] = {pk: Counter() for pk in ids}
    by_status = OutboxItem.objects.filter(session_id__in=ids).values("session_id", "status").annotate(n=Count("id"))
    for row in by_status.order_by():
        counts[row["session_id"]][row["status"]] += row["n"]
    courses: dict[int, dict] = {}
    course_rows = OutboxItem.objects.filter(session_id__in=ids, kind=OutboxKind.COURSE).order_by("updated_at", "pk")
    for row in course_rows.values("session_id", "moodle_id", "synced_at"):
        courses[row["session_id"]] = row  # the latest course row wins (after a change of code)
    course_url = course_url_builder() if any(c["moodle_id"] for c in courses.values()) else None

    statuses = {}
    for pk in ids:
        course = courses.get(pk)
        failed = counts[pk][OutboxStatus.FAILED] + counts[pk][OutboxStatus.DEAD]
        pending = counts[pk][OutboxStatus.PENDING]
        state = session_state(
            has_course=course is not None,
            course_synced=bool(course and (course["synced_at"] or course["moodle_id"])),
            failed=failed,
            pending=pending,
        )
        url = course_url(course["moodle_id"]) if course_url and course and course["moodle_id"] else ""
        statuses[pk] = SessionLmsStatus(state, str(state.label), url, failed=failed, pending=pending)
    return statuses


def course_url_builder() -> Callable[[int], str]:
    """``backend.course_url`` of the configured LMS; no link when the export is off or misconfigured."""
    try:
        backend = get_backend()
    except MoodleError:  # e.g. MOODLE_URL unset: the admin must still show the status
        backend = None
    if backend is None:
        return lambda moodle_id: ""
    return backend.course_url
