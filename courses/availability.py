"""Session state as a pure function of time, dates, window, status and places.

No database access here: the listing, the course page, the API and the
enrolment services all call the same function, and tests need no database.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionState(models.TextChoices):
    UPCOMING = "upcoming", _("Enrolment opens soon")
    OPEN = "open", _("Open for enrolment")
    FULL = "full", _("Full")
    CLOSED = "closed", _("Enrolment closed")
    RUNNING = "running", _("In progress")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


@dataclass(frozen=True, slots=True)
class SessionTimes:
    """The dates a session's state depends on (all timezone-aware)."""

    starts_at: datetime
    ends_at: datetime
    enrolment_opens_at: datetime | None = None
    enrolment_closes_at: datetime | None = None


def session_state(
    *,
    now: datetime,
    times: SessionTimes,
    cancelled: bool,
    places_left: int,
) -> SessionState:
    """Return the state a person sees for a session at ``now``.

    Precedence: cancelled, then finished, running, then (before the start)
    a window not yet open, a window closed, no places left, else open.
    """
    if cancelled:
        return SessionState.CANCELLED
    if now >= times.ends_at:
        return SessionState.FINISHED
    if now >= times.starts_at:
        return SessionState.RUNNING
    if times.enrolment_opens_at is not None and now < times.enrolment_opens_at:
        return SessionState.UPCOMING
    closes_at = times.enrolment_closes_at or times.starts_at
    if now >= closes_at:
        return SessionState.CLOSED
    if places_left <= 0:
        return SessionState.FULL
    return SessionState.OPEN


def places_left(*, capacity: int, taken: int) -> int:
    """Places still available; never negative even if overbooked by hand."""
    return max(capacity - taken, 0)
