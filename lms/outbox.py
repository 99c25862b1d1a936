"""Write what Moodle must learn into the outbox, inside the caller's transaction.

``enqueue`` keeps one row per object: a new desired state replaces the old one
(coalescing) and makes the row due again; the same desired state as a row
already in sync or due changes nothing. A dead letter stays dead until staff
retry it, unless the desired state changes.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import Session
from lms import desired
from lms.models import OutboxItem, OutboxKind, OutboxStatus


def enqueue(kind: str, key: str, payload: dict, *, session_id: int | None = None) -> OutboxItem:
    """Record the desired state of one object; returns its row."""
    row = OutboxItem.objects.filter(kind=kind, key=key).order_by().first()
    if row is None:
        try:
            with transaction.atomic():
                return OutboxItem.objects.create(kind=kind, key=key, payload=payload, session_id=session_id)
        except IntegrityError:  # another transaction created it meanwhile
            row = OutboxItem.objects.get(kind=kind, key=key)
    return _replace(row, payload, session_id=session_id)


def _replace(row: OutboxItem, payload: dict, *, session_id: int | None) -> OutboxItem:
    """Give an existing row a new desired state (nothing if it is the same)."""
    if row.payload == payload and (row.status != OutboxStatus.DEAD or row.session_id == session_id):
        return row
    values = {
        "payload": payload,
        "revision": uuid.uuid4(),
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": timezone.now(),
        "error_kind": "",
        "error_code": "",
        "error_message": "",
        "session_id": session_id,
        "updated_at": timezone.now(),
    }
    OutboxItem.objects.filter(pk=row.pk).update(**values)
    for name, value in values.items():
        setattr(row, name, value)
    return row


def enqueue_spec(kind: str, spec, *, session_id: int | None = None) -> OutboxItem:
    return enqueue(kind, spec.key, desired.payload(spec), session_id=session_id)


def ensure_queued(kind: str, key: str, make_spec, *, session_id: int | None = None) -> None:
    """Queue an object Moodle needs (a course, a user) if it has no row yet."""
    if not OutboxItem.objects.filter(kind=kind, key=key).exists():
        enqueue_spec(kind, make_spec(), session_id=session_id)


def queue_session(session: Session, *, categories: list | None = None) -> OutboxItem:
    """The session's course, and its categories (pass them when queueing several sessions of one course)."""
    spec = desired.course_spec(session)
    if categories is None:
        categories = desired.course_categories(session.course.specific)
    for category in categories:
        enqueue_spec(OutboxKind.CATEGORY, category)
    return enqueue_spec(OutboxKind.COURSE, spec, session_id=session.pk)


def queue_session_enrolments(session: Session) -> int:
    """New access dates for everyone Moodle knows in the session, after its dates changed."""
    window = desired.access_window(session)
    changed = 0
    rows = OutboxItem.objects.filter(kind=OutboxKind.ENROLMENT, session=session)
    for row in rows:
        if (row.payload["timestart"], row.payload["timeend"]) != window:
            payload = row.payload | {"timestart": window[0], "timeend": window[1]}
            _replace(row, payload, session_id=session.pk)
            changed += 1
    return changed


def queue_user(user) -> OutboxItem:
    return enqueue_spec(OutboxKind.USER, desired.user_spec(user))


def queue_enrolment(user, session: Session) -> OutboxItem | None:
    """A learner's access to a session's course. Nothing is queued for someone Moodle never knew."""
    spec = desired.enrolment_spec(user.pk, session)
    if not spec.active and not OutboxItem.objects.filter(kind=OutboxKind.ENROLMENT, key=spec.key).exists():
        return None
    if spec.active:
        if not OutboxItem.objects.filter(kind=OutboxKind.COURSE, key=session.code).exists():
            queue_session(session)
        ensure_queued(OutboxKind.USER, desired.user_idnumber(user.pk), lambda: desired.user_spec(user))
    return enqueue_spec(OutboxKind.ENROLMENT, spec, session_id=session.pk)


def queue_organisation(organisation, session: Session) -> tuple[OutboxItem, OutboxItem] | None:
    """The organisation's cohort, and its group in the session's course, with their current members.

    Nothing is queued while the organisation has nobody enrolled there: Moodle gets no empty group.
    """
    group = desired.group_spec(organisation, session)
    if not group.members:
        return None
    cohort = enqueue_spec(OutboxKind.COHORT, desired.cohort_spec(organisation))
    return cohort, enqueue_spec(OutboxKind.GROUP, group, session_id=session.pk)
