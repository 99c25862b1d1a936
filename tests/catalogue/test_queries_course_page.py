"""The course page costs the same number of queries whatever the size of the catalogue."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.factories import PartnerFactory, TrainerFactory, complete_course_fields
from catalogue.models import CoursePage
from tests.catalogue.course_fixtures import build_full_course, open_session

MODEST = 25


def queries_to_render(client, url: str) -> int:
    client.get(url)  # warm the per-process caches (site root paths, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


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
    assert at_500 <= MODEST, at_500


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
