"""The course page costs at most 12 queries, the same whatever the size of the catalogue.

Wagtail's serving costs five (site, locale, home page, listing page, course
page; the view-restriction check is answered by the routing query), the
base template one (translations and navigation), the course six (sessions,
their slots, their prices, themes, trainers, partners). The cheaper routing
still refuses restricted pages.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from catalogue.factories import PartnerFactory, TrainerFactory, complete_course_fields
from catalogue.models import CoursePage
from courses.listing import clear_cache
from tests.catalogue.course_fixtures import build_full_course, open_session

MAX_QUERIES = 12


def queries_to_render(client, url: str) -> tuple[int, int]:
    """(cold, warm) query counts: with the listing's cached rows forgotten, then again."""
    client.get(url)  # warm the per-process caches (site root paths, content types)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        assert "Apprentissage profond frugal" in response.content.decode()
        counts.append(len(captured))
    clear_cache()
    return counts[0], counts[1]


@pytest.fixture(autouse=True)
def _cold_listing_cache():
    clear_cache()
    yield
    clear_cache()


def add_courses(parent, count: int, start: int) -> None:
    # Plain add_child: a live page without revisions is enough to grow the tree, and fast.
    for number in range(start, start + count):
        parent.add_child(
            instance=CoursePage(title=f"Cours {number}", slug=f"cours-{number}", **complete_course_fields())
        )


def test_course_page_queries_are_the_same_at_20_and_500_courses(client, catalogue_page):
    course = build_full_course(catalogue_page)
    open_session(course)
    open_session(course, venue=None, is_online=True)
    add_courses(catalogue_page, 19, start=1)

    at_20 = queries_to_render(client, course.url)
    add_courses(catalogue_page, 480, start=20)
    at_500 = queries_to_render(client, course.url)

    assert CoursePage.objects.live().count() == 500
    assert at_20 == at_500
    assert max(at_500) <= MAX_QUERIES, at_500


def test_course_page_queries_do_not_grow_with_sessions_trainers_or_partners(client, catalogue_page):
    course = build_full_course(catalogue_page)
    open_session(course)
    small = queries_to_render(client, course.url)

    for _ in range(5):
        open_session(course)
    course.trainers.add(*[TrainerFactory(organisation=PartnerFactory()) for _ in range(3)])
    course.partners.add(*[PartnerFactory() for _ in range(3)])
    course.save()  # parental many-to-many changes are written on save
    large = queries_to_render(client, course.url)

    assert client.get(course.url).content.decode().count('class="person"') == 4
    assert small == large, (small, large)


@pytest.mark.parametrize("restricted", ["listing", "course"])
def test_a_page_under_a_view_restriction_asks_for_the_password(client, catalogue_page, restricted):
    course = build_full_course(catalogue_page)
    client.get(course.url)  # the route taken before the restriction existed must not be remembered
    page = catalogue_page if restricted == "listing" else course
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.PASSWORD, password="secret")

    response = client.get(course.url)

    html = response.content.decode()
    assert 'name="password"' in html
    assert "Apprentissage profond frugal" not in html


def test_an_alias_of_a_restricted_course_is_restricted_too(client, catalogue_page):
    course = build_full_course(catalogue_page)
    alias = course.create_alias(update_slug="alias-du-cours")
    PageViewRestriction.objects.create(page=course, restriction_type=PageViewRestriction.LOGIN)

    response = client.get(alias.url)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_unknown_and_unpublished_courses_are_not_found(client, catalogue_page):
    course = build_full_course(catalogue_page)
    url = course.url
    assert client.get(f"{url}plus-loin/").status_code == 404
    course.unpublish()

    assert client.get(url).status_code == 404
    assert client.get("/formations/nulle-part/").status_code == 404
    assert client.get("/formations/nulle-part/plus-loin/").status_code == 404
