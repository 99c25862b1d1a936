"""Conditional GET, public caching and CORS on the catalogue API."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db
URLS = [
    "/api/v1/courses/",
    "/api/v1/courses/apprentissage-profond-frugal/",
    "/api/v1/sessions/",
    "/api/v1/sessions/ETH-01/",
    "/api/v1/themes/",
]


@pytest.mark.parametrize("url", URLS)
def test_etag_gives_304_and_cache_headers(client, api_catalogue, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300" or set(response["Cache-Control"].split(", ")) == {
        "public",
        "max-age=300",
    }
    etag = response["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_last_modified_and_if_modified_since(client, api_catalogue):
    response = client.get("/api/v1/courses/")
    assert client.get("/api/v1/courses/", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304
    assert client.get("/api/v1/courses/", HTTP_IF_MODIFIED_SINCE="Mon, 01 Jan 2001 00:00:00 GMT").status_code == 200


def test_etag_changes_with_places_the_query_and_the_language(client, api_catalogue):
    etag = client.get("/api/v1/courses/")["ETag"]
    assert client.get("/api/v1/courses/?ordering=title")["ETag"] != etag
    assert client.get("/api/v1/courses/", HTTP_ACCEPT_LANGUAGE="en")["ETag"] != etag
    session = api_catalogue["sessions"][0]
    session.places_taken = 3
    session.save()
    response = client.get("/api/v1/courses/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["results"][0]["sessions"][0]["places_left"] == 9


@override_settings(CORS_ALLOWED_ORIGINS=["https://partenaire.example"])
def test_cors_allows_only_configured_partner_origins(client, api_catalogue):
    allowed = client.get("/api/v1/courses/", HTTP_ORIGIN="https://partenaire.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://partenaire.example"
    other = client.get("/api/v1/courses/", HTTP_ORIGIN="https://intrus.example")
    assert "Access-Control-Allow-Origin" not in other
