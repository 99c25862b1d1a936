"""The home page costs at most 12 queries, the same whatever the size of the catalogue.

Wagtail's serving costs four in French (site, locale, home page, and one
to rule out view restrictions), the base template one (translations and
navigation), the home page three (upcoming sessions, featured courses,
partners); in English, one more each to find the English home page and
the English pages of the upcoming and featured courses.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from catalogue.factories import PartnerFactory, complete_course_fields
from catalogue.models import CoursePage, FeaturedCourse, ProgrammePage
from courses.factories import SessionFactory
from courses.listing import clear_cache
from tests.catalogue.course_fixtures import build_full_course, open_session, visible_text

MAX_QUERIES = 12
# Search and reference indexing are background tasks: keep them queued, not run, while seeding.
QUIET_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def _cold_listing_cache():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def programme_page(home_page) -> ProgrammePage:
    programme = ProgrammePage(title="Programme 2026–2030", slug="programme", intro="<p>Un programme.</p>")
    home_page.add_child(instance=programme)
    programme.save_revision().publish()
    return programme


@override_settings(TASKS=QUIET_TASKS)
def add_courses(parent, count: int, start: int) -> list[CoursePage]:
    """Course pages added straight into the tree (no revisions), each with one session."""
    pages = []
    for number in range(start, start + count):
        page = CoursePage(title=f"Cours {number:04d}", slug=f"cours-{number:04d}", **complete_course_fields())
        parent.add_child(instance=page)
        SessionFactory(course=page, start=dt.date.today() + dt.timedelta(days=10 + number % 300))
        pages.append(page)
    return pages


def queries_to_render(client, url: str) -> tuple[int, int]:
    """(cold, warm) query counts: with the listing's cached rows forgotten, then again."""
    client.get(url)  # warm the per-process caches (site root paths, content types)
    clear_cache()
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(captured))
    return counts[0], counts[1]


def test_home_page_queries_are_the_same_at_20_and_500_courses(client, home_page, catalogue_page, programme_page):
    courses = add_courses(catalogue_page, 20, start=0)
    home_page.featured_courses = [FeaturedCourse(course=course) for course in courses[:3]]
    home_page.save_revision().publish()
    for _ in range(4):
        PartnerFactory()

    at_20 = queries_to_render(client, "/")
    add_courses(catalogue_page, 480, start=20)
    at_500 = queries_to_render(client, "/")

    html = client.get("/").content.decode()
    assert html.count('class="upcoming__item"') == 6
    assert html.count('class="card"') == 3
    assert 'href="/programme/"' in html
    assert at_20 == at_500
    assert max(at_500) <= MAX_QUERIES, at_500


def test_english_home_page_stays_within_the_bound(client, home_page, catalogue_page, locales):
    course = build_full_course(catalogue_page)
    open_session(course, code="IAF-EN-01")
    home_page.featured_courses = [FeaturedCourse(course=course)]
    home_page.save_revision().publish()
    PartnerFactory()
    # Real translations, as editors make them (not aliases).
    for page in (home_page, catalogue_page, course):
        english = page.specific.copy_for_translation(locales["en"])
        english.save_revision().publish()

    counts = queries_to_render(client, "/en/")

    html = client.get("/en/").content.decode()
    assert 'href="/en/formations/apprentissage-profond-frugal/#session-IAF-EN-01"' in html
    assert 'href="/en/formations/apprentissage-profond-frugal/"' in html
    assert max(counts) <= MAX_QUERIES, counts


def test_a_view_restriction_on_the_home_page_asks_for_the_password(client, home_page):
    assert "Se former à l'IA" in visible_text(client.get("/"))
    PageViewRestriction.objects.create(page=home_page, restriction_type=PageViewRestriction.PASSWORD, password="s")

    response = client.get("/")

    assert 'name="password"' in response.content.decode()
    assert "Se former à l'IA" not in visible_text(response)
