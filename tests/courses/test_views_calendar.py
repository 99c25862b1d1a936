"""The iCalendar endpoints as an HTTP client sees them: headers, errors, filters, queries."""

import datetime as dt

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from catalogue.factories import CoursePageFactory, ThemeFactory
from courses import calendar, calendar_cache
from courses.factories import SessionFactory, VenueFactory
from courses.listing import clear_cache
from courses.models import Session

CATALOGUE = "/calendar/catalogue.ics"


@pytest.fixture(autouse=True)
def fresh_caches():
    # The listing keeps its rows and the catalogue feed its bodies per process;
    # each test builds its own catalogue.
    clear_cache()
    calendar_cache.clear()
    yield
    clear_cache()
    calendar_cache.clear()


@pytest.fixture
def course(catalogue_page):
    return CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal", slug="apprentissage-frugal")


def soon(days: int) -> dt.date:
    return dt.date.today() + dt.timedelta(days=days)


def session_codes(response) -> set[str]:
    return {str(event["SUMMARY"]).rsplit(" — ", 1)[1] for event in Calendar.from_ical(response.content).walk("VEVENT")}


def only_event(response):
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    return event


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
    calendar_cache.clear()  # count the queries of a feed written afresh
    with django_assert_max_num_queries(100) as small:
        client.get(CATALOGUE)
    small_count = len(small)  # read now: the next request clears the connection's query log

    for index in range(12):
        course = CoursePageFactory(parent=catalogue_page)
        SessionFactory(course=course, start=soon(30 + index), days=3)
    clear_cache()
    client.get(CATALOGUE)
    calendar_cache.clear()
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


def test_catalogue_feed_of_many_sessions_keeps_only_the_filtered_ones(client, catalogue_page, monkeypatch):
    # Past this many ids the feed reads every current session and picks them, as for a large catalogue.
    monkeypatch.setattr(calendar, "LONG_ID_LIST", 1)
    frugal, inclusive = ThemeFactory(name="IA frugale"), ThemeFactory(name="IA inclusive")
    kept = {
        SessionFactory(course=CoursePageFactory(parent=catalogue_page, themes=[frugal]), start=soon(30 + day)).code
        for day in range(3)
    }
    SessionFactory(course=CoursePageFactory(parent=catalogue_page, themes=[inclusive]), start=soon(30))

    response = client.get(CATALOGUE, {"theme": frugal.slug})

    assert session_codes(response) == kept
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 3 * 2


def test_repeated_catalogue_feed_is_served_without_being_written_again(client, course, django_assert_max_num_queries):
    SessionFactory(course=course, start=soon(30))
    first = client.get(CATALOGUE)

    # The listing's version stamp and the feed's; writing the feed would read sessions, slots, pages…
    with django_assert_max_num_queries(2):
        second = client.get(CATALOGUE)

    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


def test_catalogue_feed_answers_not_modified_to_a_client_that_has_it(client, course):
    SessionFactory(course=course, start=soon(30))
    response = client.get(CATALOGUE)
    assert response["ETag"].startswith('W/"')

    by_etag = client.get(CATALOGUE, headers={"If-None-Match": response["ETag"]})
    by_date = client.get(CATALOGUE, headers={"If-Modified-Since": response["Last-Modified"]})

    for not_modified in (by_etag, by_date):
        assert not_modified.status_code == 304
        assert not_modified.content == b""
        assert not_modified["ETag"] == response["ETag"]
        assert not_modified["Cache-Control"] == "public, max-age=300"


def test_rescheduled_session_shows_in_the_next_catalogue_feed(client, course):
    session = SessionFactory(course=course, start=soon(30), days=1)
    before = client.get(CATALOGUE)

    slot = session.slots.get()
    slot.start_time = dt.time(10)
    session.slots = [slot]
    session.save()
    after = client.get(CATALOGUE, headers={"If-None-Match": before["ETag"]})

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert only_event(after).start.time() == dt.time(10)
    assert only_event(after)["SEQUENCE"] > only_event(before)["SEQUENCE"]


def test_renamed_venue_shows_in_the_next_catalogue_feed(client, course):
    venue = VenueFactory(name="Campus Est")
    SessionFactory(course=course, venue=venue, start=soon(30), days=1)
    client.get(CATALOGUE)

    venue.name = "Campus Sud"
    venue.save()

    assert str(only_event(client.get(CATALOGUE))["LOCATION"]).startswith("Campus Sud, ")


def test_change_made_by_another_process_shows_in_the_next_catalogue_feed(client, course):
    session = SessionFactory(course=course, start=soon(30), days=1)
    before = only_event(client.get(CATALOGUE))["SEQUENCE"]

    # A bulk update sends no signal, as if another process had made the change.
    Session.objects.filter(pk=session.pk).update(
        schedule_sequence=F("schedule_sequence") + 5, updated_at=timezone.now()
    )

    assert only_event(client.get(CATALOGUE))["SEQUENCE"] == before + 5
