"""The listing's query count stays the same as the catalogue grows, and at most 12, cold cache or warm.

A page of the listing costs Wagtail's serving (site, locale, home page,
listing page; the view-restriction check is answered by the routing query)
and the base template's one query (translations and navigation), plus the
listing's own: one when its rows are cached (version stamp, themes and
partners together), three more to rebuild them, one more for a text search.
"""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from catalogue.factories import CoursePageFactory, PartnerFactory, ThemeFactory, complete_course_fields
from catalogue.models import CoursePage
from courses.factories import SessionFactory
from courses.listing import build_listing, catalogue_session_ids, clear_cache
from courses.models import SessionStatus

MAX_QUERIES = 12
# Rebuilding the rows: course pages, their theme and partner links, sessions with prices.
REBUILD_QUERIES = 3
_numbers = itertools.count()


@pytest.fixture(autouse=True)
def _fresh_listing_cache():
    clear_cache()
    yield
    clear_cache()


# Search and reference indexing are background tasks: keep them queued, not run, while seeding.
QUIET_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@override_settings(TASKS=QUIET_TASKS)
def add_courses(parent, count: int, *, themes, partners) -> None:
    """Course pages added straight into the tree (no revisions), each with one session."""
    for _ in range(count):
        number = next(_numbers)
        page = CoursePage(title=f"Formation {number:04d}", slug=f"formation-{number:04d}", **complete_course_fields())
        # Parental M2M values are saved with the page.
        page.themes.set([themes[number % len(themes)]])
        page.partners.set([partners[number % len(partners)]])
        parent.add_child(instance=page)
        SessionFactory(course=page, start=dt.date.today() + dt.timedelta(days=10 + number % 300))


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


URLS = [
    "/formations/",
    "/formations/?theme=theme-1&format=in_person&month=2099-01&sort=title&page=2",
    "/formations/?places=1&price=500-1500&language=fr&duration=7-21h&sort=next&page=3",
]


def measure(client) -> list[tuple[int, int]]:
    """(cold, warm) query counts of each URL; Wagtail's own caches are primed first."""
    counts = []
    for url in URLS:
        client.get(url)
        clear_cache()
        counts.append((count_queries(client, url), count_queries(client, url)))
    return counts


def test_listing_queries_do_not_grow_with_the_catalogue(client, catalogue_page):
    themes = [ThemeFactory(name=f"Theme {i}", slug=f"theme-{i}") for i in range(4)]
    partners = [PartnerFactory(name=f"Partner {i}", slug=f"partner-{i}") for i in range(6)]
    add_courses(catalogue_page, 20, themes=themes, partners=partners)
    small = measure(client)
    add_courses(catalogue_page, 480, themes=themes, partners=partners)
    large = measure(client)

    # The listing really lists them all, and the theme filter matches a quarter of them.
    assert client.get("/formations/").context["listing"]["count"] == 500
    assert client.get("/formations/?theme=theme-1").context["listing"]["count"] == 125
    assert small == large
    for cold, warm in large:
        # A cold cache rebuilds the rows in a fixed number of queries.
        assert cold == warm + REBUILD_QUERIES
        assert cold <= MAX_QUERIES, large


def test_the_listing_itself_reads_one_query_when_warm(rf, catalogue_page):
    themes, partners = [ThemeFactory(slug="theme-0")], [PartnerFactory(slug="partner-0")]
    add_courses(catalogue_page, 20, themes=themes, partners=partners)
    request = rf.get("/formations/", {"theme": "theme-0", "sort": "title"})
    build_listing(request=request, index_page=catalogue_page)  # primes Wagtail's site root paths
    clear_cache()
    with CaptureQueriesContext(connection) as cold:
        listing = build_listing(request=request, index_page=catalogue_page)
    with CaptureQueriesContext(connection) as warm:
        build_listing(request=request, index_page=catalogue_page)
    assert len(listing["cards"]) == 12
    assert (len(cold), len(warm)) == (1 + REBUILD_QUERIES, 1)


def test_a_search_costs_one_more_query(client, catalogue_page):
    themes, partners = [ThemeFactory(slug="theme-0")], [PartnerFactory(slug="partner-0")]
    add_courses(catalogue_page, 20, themes=themes, partners=partners)
    count_queries(client, "/formations/")
    assert count_queries(client, "/formations/?q=formation") == count_queries(client, "/formations/") + 1


def test_a_cold_search_stays_within_the_bound(client, catalogue_page):
    themes, partners = [ThemeFactory(slug="theme-0")], [PartnerFactory(slug="partner-0")]
    add_courses(catalogue_page, 20, themes=themes, partners=partners)
    # Indexed for search on save (the courses above are added without indexing).
    CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal", themes=themes)
    url = "/formations/?q=frugal&theme=theme-0"
    client.get(url)
    clear_cache()

    cold = count_queries(client, url)

    assert cold <= MAX_QUERIES
    assert [card.title for card in client.get(url).context["listing"]["cards"]] == ["Apprentissage frugal"]


def test_catalogue_session_ids_applies_the_listing_filters(catalogue_page):
    frugal, other = ThemeFactory(slug="ia-frugale"), ThemeFactory(slug="autre")
    first = CoursePageFactory(parent=catalogue_page, title="Premier", themes=[frugal])
    second = CoursePageFactory(parent=catalogue_page, title="Second", themes=[other])
    march, april = dt.date(2099, 3, 2), dt.date(2099, 4, 6)
    in_march = SessionFactory(course=first, start=march)
    in_april = SessionFactory(course=first, start=april, languages=["en"])
    SessionFactory(course=first, start=april, status=SessionStatus.CANCELLED)
    other_course = SessionFactory(course=second, start=march)

    def ids(query: str) -> list[int]:
        return catalogue_session_ids(QueryDict(query), language="fr")

    assert ids("") == [in_march.pk, other_course.pk, in_april.pk]
    assert ids("theme=ia-frugale") == [in_march.pk, in_april.pk]
    assert ids("theme=ia-frugale&month=2099-04") == [in_april.pk]
    assert ids("language=en&from=2099-03-01&to=2099-03-31") == []
