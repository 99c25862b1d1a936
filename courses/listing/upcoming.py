"""What is upcoming at a given moment, computed once and reused until something changes.

A session stops being upcoming once it has started, and whether it is open
for enrolment changes only at its enrolment opening and closing, its start
and its end. So the upcoming sessions of every course (and their states,
from ``courses.availability.session_state``) hold from one such moment to the
next: the listing computes them once per window, not once per request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from courses.availability import SessionState
from courses.listing.rows import Catalogue, CourseRow, SessionRow

_TICK = dt.timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class CourseNow:
    """A course's upcoming scheduled sessions at some moment, and the facet values they offer."""

    sessions: tuple[SessionRow, ...]
    open_flags: tuple[bool, ...]  # open for enrolment (with places left), per session
    # (months, languages, price buckets, any session open): the session facets' values
    # when no session filter is active; a course without session offers its own.
    summary: tuple[frozenset[str], frozenset[str], frozenset[str], bool]


@dataclass
class Upcoming:
    """Every course's upcoming sessions, valid from ``valid_from`` until just before ``valid_until``."""

    courses: tuple[CourseNow, ...]  # aligned with the catalogue's rows
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    memo: dict = field(default_factory=dict, repr=False)  # results per selection, valid as long as this

    def covers(self, now: dt.datetime) -> bool:
        return self.valid_from <= now and (self.valid_until is None or now < self.valid_until)


def _course_now(row: CourseRow, now: dt.datetime, boundaries: list[dt.datetime]) -> CourseNow:
    sessions = []
    flags = []
    for session in row.sessions:
        if session.cancelled or session.starts_at < now:
            continue
        sessions.append(session)
        flags.append(session.state(now) == SessionState.OPEN)
        times = session.times
        # The moments when this session's state or its being upcoming can change.
        boundaries.extend(
            moment
            for moment in (
                times.enrolment_opens_at,
                times.enrolment_closes_at,
                times.starts_at,
                times.starts_at + _TICK,
                times.ends_at,
            )
            if moment is not None and moment > now
        )
    if sessions:
        summary = (
            frozenset(s.month for s in sessions),
            frozenset().union(*(s.languages for s in sessions)),
            frozenset(s.price_bucket for s in sessions if s.price_bucket),
            any(flags),
        )
    else:
        prices = frozenset((row.price_bucket,)) if row.price_bucket else frozenset()
        summary = (frozenset(), frozenset(row.languages), prices, False)
    return CourseNow(sessions=tuple(sessions), open_flags=tuple(flags), summary=summary)


def upcoming_at(rows: Sequence[CourseRow], now: dt.datetime) -> Upcoming:
    """The upcoming sessions of each row at ``now``, and until when that holds."""
    boundaries: list[dt.datetime] = []
    courses = tuple(_course_now(row, now, boundaries) for row in rows)
    return Upcoming(courses=courses, valid_from=now, valid_until=min(boundaries, default=None))


def current_upcoming(catalogue: Catalogue, now: dt.datetime) -> Upcoming:
    """The catalogue's upcoming sessions at ``now``, recomputed only when a window has passed."""
    upcoming = catalogue.memo.get("upcoming")
    if upcoming is None or not upcoming.covers(now):
        upcoming = upcoming_at(catalogue.rows, now)
        catalogue.memo["upcoming"] = upcoming
    return upcoming
