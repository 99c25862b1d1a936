"""``catalogue_matches``: which courses and upcoming sessions the listing's filters keep."""

import datetime as dt

import pytest
from django.http import QueryDict

from catalogue.factories import CoursePageFactory, ThemeFactory
from courses.factories import SessionFactory
from courses.listing import clear_cache
from courses.listing.context import catalogue_matches


@pytest.fixture(autouse=True)
def fresh_listing():
    clear_cache()
    yield
    clear_cache()


def soon(days: int) -> dt.date:
    return dt.date.today() + dt.timedelta(days=days)


@pytest.fixture
def courses(catalogue_page):
    frugal = CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal", themes=[ThemeFactory(name="IA")])
    inclusive = CoursePageFactory(parent=catalogue_page, title="IA inclusive", themes=[ThemeFactory(name="Inclusion")])
    sessions = {
        "running": SessionFactory(course=frugal, start=soon(-1), days=3, languages=["en"]),
        "french": SessionFactory(course=frugal, start=soon(30), languages=["fr"]),
        "english": SessionFactory(course=frugal, start=soon(60), languages=["en"]),
        "inclusive": SessionFactory(course=inclusive, start=soon(40), languages=["en"]),
    }
    return frugal, inclusive, sessions


def matches(query: str):
    return catalogue_matches(QueryDict(query), language="fr")


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "sort=title&page=2", "places=0", "month=2027-13&language=xx"])
def test_parameters_that_narrow_nothing_give_none(courses, query):
    assert matches(query) is None


@pytest.mark.django_db
def test_a_course_filter_gives_the_courses_and_no_session_restriction(courses):
    frugal, _inclusive, _sessions = courses

    assert matches("theme=ia") == (frozenset({str(frugal.translation_key)}), None)


@pytest.mark.django_db
def test_a_session_filter_gives_the_matching_upcoming_sessions(courses):
    frugal, inclusive, sessions = courses

    keys, session_ids = matches("language=en")

    assert keys == {str(frugal.translation_key), str(inclusive.translation_key)}
    # The running session is in English too, but it has started.
    assert session_ids == {sessions["english"].id, sessions["inclusive"].id}


@pytest.mark.django_db
def test_course_and_session_filters_combine(courses):
    frugal, _inclusive, sessions = courses

    assert matches("theme=ia&language=en") == (
        frozenset({str(frugal.translation_key)}),
        frozenset({sessions["english"].id}),
    )
