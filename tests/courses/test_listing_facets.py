"""Filtering and disjunctive facet counts over catalogue rows (pure, no database)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from courses.availability import SessionTimes
from courses.listing.facets import PLACES_VALUE, Selection, evaluate, sort_matches
from courses.listing.filters import DURATION_BUCKETS, PRICE_BUCKETS, SORT_TITLE, bucket_for
from courses.listing.rows import CourseRow, SessionRow, sort_title
from courses.listing.upcoming import upcoming_at

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2027, 1, 10, 12, 0, tzinfo=PARIS)
_ids = iter(range(1, 10_000))


def session(
    day: dt.date,
    *,
    languages=("fr",),
    price="900",
    places=5,
    cancelled=False,
    opens: dt.datetime | None = None,
) -> SessionRow:
    starts = dt.datetime.combine(day, dt.time(9), tzinfo=PARIS)
    amount = Decimal(price) if price is not None else None
    return SessionRow(
        id=next(_ids),
        starts_at=starts,
        month=f"{day:%Y-%m}",
        start_date=day,
        times=SessionTimes(starts_at=starts, ends_at=starts + dt.timedelta(hours=8), enrolment_opens_at=opens),
        cancelled=cancelled,
        places_left=places,
        languages=frozenset(languages),
        price=amount,
        price_bucket=bucket_for(amount, PRICE_BUCKETS),
        city="Lyon",
        is_online=False,
    )


def course(title: str, *, themes=(), fmt="in_person", level="discovery", hours="14", languages=("fr",), sessions=()):
    price_from = Decimal("800")
    return CourseRow(
        key=title,
        page_id=next(_ids),
        locale="fr",
        url_path=f"/accueil/formations/{title.lower()}/",
        title=title,
        sort_title=sort_title(title),
        summary="",
        format=fmt,
        level=level,
        hours=Decimal(hours),
        duration_bucket=bucket_for(Decimal(hours), DURATION_BUCKETS),
        languages=tuple(languages),
        theme_keys=frozenset(themes),
        partner_ids=frozenset(),
        price_from=price_from,
        price_bucket=bucket_for(price_from, PRICE_BUCKETS),
        sessions=tuple(sessions),
    )


MARCH, APRIL = dt.date(2027, 3, 15), dt.date(2027, 4, 12)
ROWS = [
    course("Vision", themes={"frugal"}, fmt="online", sessions=[session(MARCH, price="400")]),
    course("Éthique", themes={"inclusive"}, sessions=[session(APRIL, languages=("en",), places=0)]),
    course("Graphes", themes={"frugal", "inclusive"}, fmt="blended", sessions=[session(MARCH), session(APRIL)]),
    course("Agents", themes={"frugal"}, languages=("en",), hours="40"),  # no session
]


def titles(outcome):
    return [m.row.title for m in outcome.matches]


def test_without_filters_every_course_matches_and_is_counted():
    outcome = evaluate(ROWS, Selection(), NOW)
    assert len(outcome.matches) == 4
    assert outcome.counts["theme"] == {"frugal": 3, "inclusive": 2}
    assert outcome.counts["month"] == {"2027-03": 2, "2027-04": 2}
    assert outcome.counts["language"] == {"fr": 2, "en": 2}
    assert outcome.counts["places"][PLACES_VALUE] == 2  # Éthique is full, Agents has no session


def test_a_facet_counts_ignore_its_own_selection_but_apply_the_others():
    outcome = evaluate(ROWS, Selection(themes=frozenset({"inclusive"}), formats=frozenset({"blended"})), NOW)
    assert titles(outcome) == ["Graphes"]
    # Theme counts apply the format filter only: Graphes is the one blended course.
    assert outcome.counts["theme"] == {"frugal": 1, "inclusive": 1}
    # Format counts apply the theme filter only: Éthique (in person) and Graphes (blended).
    assert outcome.counts["format"] == {"in_person": 1, "blended": 1}


def test_session_filters_must_hold_for_the_same_session():
    # Graphes has a March session in French and an April one in French; Éthique's April session is English.
    outcome = evaluate(ROWS, Selection(months=frozenset({"2027-04"}), languages=frozenset({"en"})), NOW)
    assert titles(outcome) == ["Éthique"]
    # Price 400 exists only on Vision's March session; with month=April nothing matches.
    outcome = evaluate(ROWS, Selection(months=frozenset({"2027-04"}), prices=frozenset({"under-500"})), NOW)
    assert titles(outcome) == []
    assert outcome.counts["price"] == {"500-1500": 2}
    assert outcome.counts["month"] == {"2027-03": 1}


def test_places_means_a_session_open_for_enrolment():
    later = dt.datetime(2027, 2, 1, tzinfo=PARIS)
    rows = ROWS + [course("Bientôt", sessions=[session(APRIL, opens=later)])]  # window not open yet
    outcome = evaluate(rows, Selection(places=True), NOW)
    assert titles(outcome) == ["Vision", "Graphes"]


def test_a_course_without_session_uses_its_own_languages_and_price_but_no_dates():
    assert titles(evaluate(ROWS, Selection(languages=frozenset({"en"})), NOW)) == ["Éthique", "Agents"]
    assert "Agents" in titles(evaluate(ROWS, Selection(prices=frozenset({"500-1500"})), NOW))
    assert "Agents" not in titles(evaluate(ROWS, Selection(date_from=dt.date(2027, 1, 1)), NOW))


def test_cancelled_and_past_sessions_never_match():
    rows = [
        course("Annulé", sessions=[session(MARCH, cancelled=True)]),
        course("Passé", sessions=[session(dt.date(2027, 1, 2))]),
    ]
    outcome = evaluate(rows, Selection(months=frozenset({"2027-03"})), NOW)
    assert titles(outcome) == []
    # With no session filter, both are listed, with no session to show.
    outcome = evaluate(rows, Selection(), NOW)
    assert [m.sessions for m in outcome.matches] == [(), ()]


def test_text_search_keys_restrict_results_and_counts():
    outcome = evaluate(ROWS, Selection(keys=frozenset({"Vision"})), NOW)
    assert titles(outcome) == ["Vision"]
    assert outcome.counts["theme"] == {"frugal": 1}


def test_date_range_is_inclusive_and_checked_on_the_same_session():
    selection = Selection(date_from=APRIL, date_to=APRIL, languages=frozenset({"fr"}))
    assert titles(evaluate(ROWS, selection, NOW)) == ["Graphes"]


def test_sorting_by_next_session_puts_courses_without_one_last():
    outcome = evaluate(ROWS, Selection(), NOW)
    assert [m.row.title for m in sort_matches(outcome.matches, "next")] == ["Graphes", "Vision", "Éthique", "Agents"]
    assert [m.row.title for m in sort_matches(outcome.matches, SORT_TITLE)] == [
        "Agents",
        "Éthique",
        "Graphes",
        "Vision",
    ]


def test_upcoming_sessions_hold_until_the_next_session_starts():
    rows = [course("Vision", sessions=[session(MARCH), session(APRIL)])]
    view = upcoming_at(rows, NOW)
    first_start = rows[0].sessions[0].starts_at
    assert view.valid_until == first_start
    assert view.covers(first_start - dt.timedelta(seconds=1)) and not view.covers(first_start)
    later = first_start + dt.timedelta(hours=1)
    assert [s.month for s in evaluate(rows, Selection(), later).matches[0].sessions] == ["2027-04"]


def test_enrolment_opening_ends_the_window_and_changes_places_counts():
    opens = dt.datetime(2027, 2, 1, tzinfo=PARIS)
    rows = [course("Bientôt", sessions=[session(APRIL, opens=opens)])]
    view = upcoming_at(rows, NOW)
    assert view.valid_until == opens
    assert evaluate(rows, Selection(), NOW, upcoming=view).counts["places"] == {}
    assert evaluate(rows, Selection(), opens).counts["places"] == {PLACES_VALUE: 1}
