"""The session state is a pure function: tested here without any database."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from courses.availability import SessionState, SessionTimes, places_left, session_state

PARIS = ZoneInfo("Europe/Paris")
START = dt.datetime(2027, 3, 29, 9, 0, tzinfo=PARIS)
END = dt.datetime(2027, 3, 31, 17, 0, tzinfo=PARIS)
TIMES = SessionTimes(
    starts_at=START,
    ends_at=END,
    enrolment_opens_at=dt.datetime(2027, 1, 4, 9, 0, tzinfo=PARIS),
    enrolment_closes_at=dt.datetime(2027, 3, 22, 23, 59, tzinfo=PARIS),
)


def at(year, month, day, hour=12, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("now", "places", "expected"),
    [
        (at(2026, 12, 1), 5, SessionState.UPCOMING),
        (at(2027, 1, 4, 9, 0), 5, SessionState.OPEN),
        (at(2027, 2, 15), 1, SessionState.OPEN),
        (at(2027, 2, 15), 0, SessionState.FULL),
        (at(2027, 3, 22, 23, 59), 5, SessionState.CLOSED),
        (at(2027, 3, 25), 0, SessionState.CLOSED),
        (at(2027, 3, 29, 9, 0), 5, SessionState.RUNNING),
        (at(2027, 3, 31, 16, 59), 0, SessionState.RUNNING),
        (at(2027, 3, 31, 17, 0), 5, SessionState.FINISHED),
        (at(2028, 1, 1), 5, SessionState.FINISHED),
    ],
)
def test_state_follows_time_window_and_places(now, places, expected):
    assert session_state(now=now, times=TIMES, cancelled=False, places_left=places) == expected


@pytest.mark.parametrize("now", [at(2026, 12, 1), at(2027, 2, 15), at(2027, 3, 30), at(2028, 1, 1)])
def test_cancelled_wins_at_any_time(now):
    assert session_state(now=now, times=TIMES, cancelled=True, places_left=5) == SessionState.CANCELLED


def test_without_window_enrolment_is_open_until_the_start():
    times = SessionTimes(starts_at=START, ends_at=END)
    assert session_state(now=at(2026, 12, 1), times=times, cancelled=False, places_left=3) == SessionState.OPEN
    assert session_state(now=at(2027, 3, 29, 8, 59), times=times, cancelled=False, places_left=3) == SessionState.OPEN
    assert session_state(now=at(2027, 3, 29, 9, 0), times=times, cancelled=False, places_left=3) == (
        SessionState.RUNNING
    )


def test_state_is_compared_in_absolute_time_across_timezones():
    # 07:30 UTC on 29 March 2027 is 09:30 in Paris (summer time): the session has started.
    now_utc = dt.datetime(2027, 3, 29, 7, 30, tzinfo=dt.UTC)
    assert session_state(now=now_utc, times=TIMES, cancelled=False, places_left=3) == SessionState.RUNNING


def test_state_labels_are_human_readable():
    with translation.override("en"):
        assert SessionState.FULL.label == "Full"
        assert str(SessionState.OPEN.label) == "Open for enrolment"
    with translation.override("fr"):
        assert SessionState.FULL.label == "Complet"


@pytest.mark.parametrize(("capacity", "taken", "expected"), [(12, 0, 12), (12, 11, 1), (12, 12, 0), (12, 15, 0)])
def test_places_left_never_negative(capacity, taken, expected):
    assert places_left(capacity=capacity, taken=taken) == expected
