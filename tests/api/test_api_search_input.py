"""Searches with quotes (a syntax error for SQLite's full-text engine) answer normally, on the API and the listing."""

import pytest

from catalogue.factories import CoursePageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(catalogue_page):
    return CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal", slug="apprentissage-frugal")


@pytest.mark.parametrize("query", ['"', 'a"b', "«\u00a0", '""', "'"])
def test_a_stray_quote_is_not_a_server_error(client, course, query):
    assert client.get("/api/v1/sessions/", {"q": query}).status_code == 200
    assert client.get("/api/v1/courses/", {"q": query}).status_code == 200
    assert client.get("/formations/", {"q": query}).status_code == 200


def test_a_quoted_word_still_finds_the_course(client, course):
    found = client.get("/api/v1/courses/", {"q": '"frugal"'}).json()

    assert [item["slug"] for item in found["results"]] == ["apprentissage-frugal"]
