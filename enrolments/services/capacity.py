"""Places of a session, counted under a row lock so concurrent buyers never oversell.

``Session.places_taken`` counts confirmed enrolments, unexpired holds, company
seats and places kept for a waitlist offer. Every change goes through
``take_places``/``free_places`` inside a transaction that holds the session
row with ``select_for_update()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from courses.models import Session
from enrolments.services.errors import SessionFull


def lock_session(session_id: int) -> Session:
    """The session row, locked until the end of the current transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_session needs a transaction")
    # Only the session's own columns: the lock is held briefly, and a wide join
    # (the course is a Wagtail page) costs more to build than the lock itself.
    return Session.objects.select_for_update().get(pk=session_id)


def take_places(session: Session, count: int = 1) -> None:
    """Use ``count`` places of a locked session, or raise SessionFull."""
    if session.places_taken + count > session.capacity:
        raise SessionFull()
    _set_places_taken(session, session.places_taken + count)


def free_places(session: Session, count: int = 1) -> None:
    """Give back ``count`` places of a locked session."""
    _set_places_taken(session, max(0, session.places_taken - count))


def _set_places_taken(session: Session, value: int) -> None:
    # A queryset update: Session.save() would re-read slots and may bump the
    # schedule sequence; updated_at moves so the listing cache sees the change.
    session.places_taken = value
    Session.objects.filter(pk=session.pk).update(places_taken=value, updated_at=timezone.now())


def sweep_sessions(*, stale_rows, release: Callable[[Session], int], now: dt.datetime) -> int:
    """For each session ``stale_rows`` (a queryset with ``session_id``) points at: lock it,
    let ``release`` free what is stale, and offer the freed places to its waitlist.

    One short transaction per session, so a sweep never holds many locks. Returns the total released.
    """
    from enrolments.services.waitlist import offer_free_places

    released = 0
    for session_id in list(stale_rows.values_list("session_id", flat=True).distinct()):
        with transaction.atomic():
            session = lock_session(session_id)
            count = release(session)
            if count:
                offer_free_places(session=session, now=now)
            released += count
    return released
