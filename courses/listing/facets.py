"""Filtering and disjunctive facet counting over catalogue rows, in one pass (no database).

A facet's counts are computed with every active filter except its own, so
ticking a second value of a facet widens the results instead of emptying
them. Course-level filters (theme, partner, format, level, duration) are
checked on the course; session-level filters (month, date range, language,
price, places) must all hold for the same upcoming, scheduled session. A
course with no upcoming scheduled session is checked on its own languages
and indicative price, and never matches a month, a date range or places.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from courses.listing.filters import SORT_TITLE
from courses.listing.rows import COURSE_FACETS, CourseRow, SessionRow
from courses.listing.upcoming import CourseNow, Upcoming, upcoming_at

SESSION_FACETS = ("month", "language", "price", "places")
FACETS = COURSE_FACETS + SESSION_FACETS

# Bits of the session-level checks a candidate session fails.
_MONTH, _LANGUAGE, _PRICE, _PLACES, _DATES = 1, 2, 4, 8, 16
_SESSION_BITS = {"month": _MONTH, "language": _LANGUAGE, "price": _PRICE, "places": _PLACES}
PLACES_VALUE = "1"


@dataclass(frozen=True)
class Selection:
    """The active filters, resolved to the values rows hold."""

    themes: frozenset[str] = frozenset()  # Theme.translation_key
    partners: frozenset[int] = frozenset()  # Partner.id
    formats: frozenset[str] = frozenset()
    levels: frozenset[str] = frozenset()
    durations: frozenset[str] = frozenset()
    months: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    prices: frozenset[str] = frozenset()
    places: bool = False
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    keys: frozenset[str] | None = None  # courses matching the text search; None when there is no search


class Match(NamedTuple):
    """A course in the results and its upcoming sessions that satisfy every session-level filter."""

    row: CourseRow
    sessions: tuple[SessionRow, ...]

    @property
    def next_start(self) -> dt.datetime | None:
        return self.sessions[0].starts_at if self.sessions else None


@dataclass
class Outcome:
    """The matching courses (catalogue order) and the disjunctive counts per facet value (absent: 0)."""

    matches: list[Match] = field(default_factory=list)
    counts: dict[str, dict] = field(default_factory=lambda: {name: {} for name in FACETS})


def _course_failures(row: CourseRow, sel: Selection) -> list[str]:
    failed = []
    if sel.themes and sel.themes.isdisjoint(row.theme_keys):
        failed.append("theme")
    if sel.partners and sel.partners.isdisjoint(row.partner_ids):
        failed.append("partner")
    if sel.formats and row.format not in sel.formats:
        failed.append("format")
    if sel.levels and row.level not in sel.levels:
        failed.append("level")
    if sel.durations and row.duration_bucket not in sel.durations:
        failed.append("duration")
    return failed


def _in_dates(day: dt.date, sel: Selection) -> bool:
    return (sel.date_from is None or day >= sel.date_from) and (sel.date_to is None or day <= sel.date_to)


def _session_mask(session: SessionRow, sel: Selection, is_open: bool) -> int:
    mask = 0
    if sel.months and session.month not in sel.months:
        mask |= _MONTH
    if sel.languages and sel.languages.isdisjoint(session.languages):
        mask |= _LANGUAGE
    if sel.prices and session.price_bucket not in sel.prices:
        mask |= _PRICE
    if sel.places and not is_open:
        mask |= _PLACES
    if (sel.date_from or sel.date_to) and not _in_dates(session.start_date, sel):
        mask |= _DATES
    return mask


def _sessionless_mask(row: CourseRow, sel: Selection) -> int:
    """Checks for a course with no upcoming session: its languages and indicative price."""
    mask = 0
    if sel.months:
        mask |= _MONTH
    if sel.languages and sel.languages.isdisjoint(row.languages):
        mask |= _LANGUAGE
    if sel.prices and row.price_bucket not in sel.prices:
        mask |= _PRICE
    if sel.places:
        mask |= _PLACES
    if sel.date_from or sel.date_to:
        mask |= _DATES
    return mask


def evaluate(
    rows: Sequence[CourseRow], sel: Selection, now: dt.datetime, *, upcoming: Upcoming | None = None
) -> Outcome:
    """Filter ``rows`` and count every facet value, disjunctively, in one pass.

    ``upcoming`` (the rows' upcoming sessions at ``now``) is computed when not given.
    """
    upcoming = upcoming or upcoming_at(rows, now)
    course_filters = bool(sel.themes or sel.partners or sel.formats or sel.levels or sel.durations)
    session_filters = bool(sel.months or sel.languages or sel.prices or sel.places or sel.date_from or sel.date_to)
    outcome = Outcome()
    matches = outcome.matches
    # Counted by value tuples (plain dicts are faster than Counters here), expanded at the end.
    matched_values: dict[tuple, int] = {}
    near_values: dict[tuple, int] = {}  # (failed facet, values) of courses failing only that facet
    summaries: dict[tuple, int] = {}
    for row, current in zip(rows, upcoming.courses, strict=True):
        if sel.keys is not None and row.key not in sel.keys:
            continue
        failed = _course_failures(row, sel) if course_filters else ()
        if len(failed) > 1:
            continue
        masks: list[int] = []
        mask = 0
        if not session_filters:
            full = current.sessions
            matched = True
        elif current.sessions:
            masks = [_session_mask(s, sel, o) for s, o in zip(current.sessions, current.open_flags, strict=True)]
            full = tuple(s for s, m in zip(current.sessions, masks, strict=True) if m == 0)
            matched = bool(full)
        else:
            full = ()
            mask = _sessionless_mask(row, sel)
            matched = mask == 0

        if failed:
            if matched:
                near = (failed[0], row.facet_values)
                near_values[near] = near_values.get(near, 0) + 1
            continue
        if matched:
            matched_values[row.facet_values] = matched_values.get(row.facet_values, 0) + 1
            matches.append(Match(row, full))
        if not session_filters:
            summaries[current.summary] = summaries.get(current.summary, 0) + 1
        elif current.sessions:
            _count_session_facets(outcome.counts, current, masks)
        else:
            _count_sessionless_facets(outcome.counts, row, mask)

    _expand(outcome.counts, matched_values, near_values, summaries)
    return outcome


def _add(counter: dict, values, number: int) -> None:
    for value in values:
        counter[value] = counter.get(value, 0) + number


def _expand(counts: dict[str, dict], matched: dict, near: dict, summaries: dict) -> None:
    for values, number in matched.items():
        for facet, facet_values in zip(COURSE_FACETS, values, strict=True):
            _add(counts[facet], facet_values, number)
    for (facet, values), number in near.items():
        _add(counts[facet], values[COURSE_FACETS.index(facet)], number)
    for (months, languages, prices, any_open), number in summaries.items():
        _add(counts["month"], months, number)
        _add(counts["language"], languages, number)
        _add(counts["price"], prices, number)
        if any_open:
            _add(counts["places"], (PLACES_VALUE,), number)


def _bump(counter: dict, values) -> None:
    for value in values:
        counter[value] = counter.get(value, 0) + 1


def _count_session_facets(counts: dict[str, dict], current: CourseNow, masks: Sequence[int]) -> None:
    """Count each session facet value once per course, over sessions failing at most that facet."""
    months: set[str] = set()
    languages: set[str] = set()
    prices: set[str] = set()
    any_open = False
    for session, mask, is_open in zip(current.sessions, masks, current.open_flags, strict=True):
        if mask == 0:
            months.add(session.month)
            languages.update(session.languages)
            if session.price_bucket:
                prices.add(session.price_bucket)
            any_open = any_open or is_open
        elif mask == _MONTH:
            months.add(session.month)
        elif mask == _LANGUAGE:
            languages.update(session.languages)
        elif mask == _PRICE and session.price_bucket:
            prices.add(session.price_bucket)
        # A session failing only "places" is not open: it adds nothing to that count.
    _bump(counts["month"], months)
    _bump(counts["language"], languages)
    _bump(counts["price"], prices)
    if any_open:
        _bump(counts["places"], (PLACES_VALUE,))


def _count_sessionless_facets(counts: dict[str, dict], row: CourseRow, mask: int) -> None:
    if not mask & ~_LANGUAGE:
        _bump(counts["language"], set(row.languages))
    if not mask & ~_PRICE and row.price_bucket:
        _bump(counts["price"], (row.price_bucket,))


def sort_matches(matches: list[Match], sort: str) -> list[Match]:
    """Sort by title, or by next matching session (courses without one last), then title."""
    if sort == SORT_TITLE:
        return sorted(matches, key=lambda m: (m.row.sort_title, m.row.key))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(matches, key=lambda m: (m.next_start or far, m.row.sort_title, m.row.key))
