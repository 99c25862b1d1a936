"""The iCalendar endpoints as an HTTP client sees them: headers, errors, filters, queries."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from catalogue.factories import CoursePageFactory, ThemeFactory
from courses.factories import SessionFactory
from courses.listing import clear_cache

CATALOGUE = "/calendar/catalogue.ics"


@pytest.fixture(autouse=True)
def fresh_listing_cache():
    # The listing caches its rows per process; each test builds its own catalogue.
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def course(catalogue_page):
    return CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal", slug="apprentissage-frugal")


def soon(days: int) -> dt.date:
    return dt.date.today() + dt.timedelta(days=days)


def session_codes(response) -> set[str]:
    calendar = Calendar.from_ical(response.content)
    return {str(event["SUMMARY"]).rsplit(" — ", 1)[1] for event in calendar.walk("VEVENT")}


def test_urls_are_the_documented_public_paths():
    assert reverse("calendar:session", kwargs={"code": "IAF-DL-2027-03"}) == "/calendar/sessions/IAF-DL-2027-03.ics"
    assert (
        reverse("calendar:course", kwargs={"slug": "apprentissage-frugal"})
        == "/calendar/courses/apprentissage-frugal.ics"
    )
    assert reverse("calendar:catalogue") == CATALOGUE


@pytest.mark.parametrize(
    ("url", "filename"),
    [
        ("/calendar/sessions/IAF-DL-2027-03.ics", "IAF-DL-2027-03.ics"),
        ("/calendar/courses/apprentissage-frugal.ics", "apprentissage-frugal.ics"),
        (CATALOGUE, "catalogue-allys.ics"),
    ],
)
def test_feeds_are_calendar_attachments_cached_briefly(client, course, url, filename):
    SessionFactory(course=course, code="IAF-DL-2027-03", start=soon(30))

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["Cache-Control"] == "public, max-age=300"
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 2


@pytest.mark.parametrize("url", ["/calendar/sessions/NOPE-2027-01.ics", "/calendar/courses/inconnue.ics"])
def test_unknown_session_or_course_is_not_found(client, catalogue_page, url):
    assert client.get(url).status_code == 404


def test_unpublished_course_is_not_found(client, catalogue_page):
    CoursePageFactory(parent=catalogue_page, slug="brouillon", publish=False, live=False)

    assert client.get("/calendar/courses/brouillon.ics").status_code == 404


def test_head_is_allowed_and_post_is_refused(client, course):
    session = SessionFactory(course=course, start=soon(30))
    url = reverse("calendar:session", kwargs={"code": session.code})

    head = client.head(url)
    post = client.post(url)

    assert head.status_code == 200
    assert head["Content-Type"] == "text/calendar; charset=utf-8"
    assert head.content == b""
    assert post.status_code == 405


def test_catalogue_feed_honours_the_theme_filter(client, catalogue_page):
    frugal, inclusive = ThemeFactory(name="IA frugale"), ThemeFactory(name="IA inclusive")
    kept = SessionFactory(course=CoursePageFactory(parent=catalogue_page, themes=[frugal]), start=soon(30))
    SessionFactory(course=CoursePageFactory(parent=catalogue_page, themes=[inclusive]), start=soon(30))

    everything = client.get(CATALOGUE)
    filtered = client.get(CATALOGUE, {"theme": frugal.slug})

    assert len(session_codes(everything)) == 2
    assert session_codes(filtered) == {kept.code}


def test_catalogue_feed_honours_the_month_filter(client, course):
    first = soon(40)
    later = first + dt.timedelta(days=62)
    kept = SessionFactory(course=course, start=first)
    SessionFactory(course=course, start=later)

    response = client.get(CATALOGUE, {"month": f"{first:%Y-%m}"})

    assert session_codes(response) == {kept.code}


def test_catalogue_feed_leaves_out_finished_sessions(client, course):
    upcoming = SessionFactory(course=course, start=soon(10))
    SessionFactory(course=course, start=soon(-60))

    assert session_codes(client.get(CATALOGUE)) == {upcoming.code}


def test_catalogue_feed_query_count_does_not_grow_with_sessions(client, catalogue_page, django_assert_max_num_queries):
    for _ in range(2):
        SessionFactory(course=CoursePageFactory(parent=catalogue_page), start=soon(30))
    client.get(CATALOGUE)  # warm the listing's per-process cache and the site root paths
    with django_assert_max_num_queries(100) as small:
        client.get(CATALOGUE)
    small_count = len(small)  # read now: the next request clears the connection's query log

    for index in range(12):
        course = CoursePageFactory(parent=catalogue_page)
        SessionFactory(course=course, start=soon(30 + index), days=3)
    clear_cache()
    client.get(CATALOGUE)
    with django_assert_max_num_queries(small_count):
        response = client.get(CATALOGUE)

    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 2 * 2 + 12 * 3


def test_session_feed_query_count_is_constant(client, course, django_assert_num_queries):
    session = SessionFactory(course=course, start=soon(30), days=5)
    url = reverse("calendar:session", kwargs={"code": session.code})
    client.get(url)  # warm Wagtail's cached site root paths

    # Session, its rows, slots, venues, course pages, the request's site.
    with django_assert_num_queries(6):
        response = client.get(url)

    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 5
