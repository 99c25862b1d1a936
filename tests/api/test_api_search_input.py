"""Searches with quotes or control characters (errors for the full-text engines) answer normally, API and listing."""

import pytest

from catalogue.factories import CoursePageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(catalogue_page):
    return CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal", slug="apprentissage-frugal")


@pytest.mark.parametrize("query", ['"', 'a"b', "«\u00a0", '""', "'", "yc\x00", "\x00", "a\x01b\x7f"])
def test_a_stray_quote_is_not_a_server_error(client, course, query):
    assert client.get("/api/v1/sessions/", {"q": query}).status_code == 200
    assert client.get("/api/v1/courses/", {"q": query}).status_code == 200
    assert client.get("/formations/", {"q": query}).status_code == 200


def test_a_quoted_word_still_finds_the_course(client, course):
    found = client.get("/api/v1/courses/", {"q": '"frugal"'}).json()

    assert [item["slug"] for item in found["results"]] == ["apprentissage-frugal"]


def test_open_data_filtered_by_a_search_with_a_nul_character_answers_normally(client, course):
    response = client.get("/api/v1/open-data/catalogue.csv", {"q": "frugal\x00"})

    assert response.status_code == 200
    assert "Apprentissage frugal" in response.content.decode("utf-8-sig")
