"""Each catalogue list endpoint costs the same number of queries for 2 courses as for 20."""

import datetime as dt
import itertools

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from catalogue.factories import PartnerFactory, ThemeFactory, TrainerFactory, complete_course_fields
from catalogue.models import CoursePage
from courses.factories import SessionFactory
from courses.listing import clear_cache

pytestmark = pytest.mark.django_db
_numbers = itertools.count()
LISTS = [
    "/api/v1/courses/",
    "/api/v1/sessions/",
    "/api/v1/themes/",
    "/api/v1/partners/",
    "/api/v1/trainers/",
    "/api/v1/programmes/",
]
MAX_QUERIES = 12


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
def add_courses(parent, count: int) -> None:
    for _ in range(count):
        number = next(_numbers)
        page = CoursePage(title=f"Formation {number:04d}", slug=f"formation-{number:04d}", **complete_course_fields())
        page.themes.set([ThemeFactory(slug=f"theme-{number}")])
        page.partners.set([PartnerFactory(slug=f"partner-{number}")])
        page.trainers.set([TrainerFactory()])
        parent.add_child(instance=page)
        for days in (10, 40):
            SessionFactory(course=page, start=dt.date.today() + dt.timedelta(days=days + number))


def count(client, url: str) -> int:
    # Cold listing rows and cold site root paths (Wagtail caches them): the worst case.
    clear_cache()
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", LISTS)
def test_list_query_count_is_constant(client, catalogue_page, url):
    add_courses(catalogue_page, 2)
    small = count(client, url)
    add_courses(catalogue_page, 18)
    assert count(client, url) == small
    assert small <= MAX_QUERIES


def test_filtered_courses_and_a_304_stay_cheap(client, catalogue_page):
    add_courses(catalogue_page, 5)
    assert count(client, "/api/v1/courses/?q=formation&format=in_person&from=2020-01-01") <= MAX_QUERIES
    etag = client.get("/api/v1/courses/")["ETag"]
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/courses/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(captured.captured_queries) == 1  # the version stamp only
