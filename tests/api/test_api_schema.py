"""The OpenAPI schema is valid and documents the catalogue API; the docs UI needs no CDN."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_3(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    validate_schema(SchemaGenerator().get_schema(request=None, public=True))  # raises when invalid


def test_schema_documents_the_catalogue_filters_and_errors():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    courses = schema["paths"]["/api/v1/courses/"]["get"]
    names = {parameter["name"] for parameter in courses["parameters"]}
    assert {
        "q",
        "theme",
        "partner",
        "format",
        "language",
        "level",
        "from",
        "to",
        "price",
        "places",
        "ordering",
        "page",
    } <= names
    assert set(courses["responses"]) >= {"200", "304", "400", "404", "429"}
    for path in (
        "/api/v1/programmes/",
        "/api/v1/themes/",
        "/api/v1/partners/",
        "/api/v1/trainers/",
        "/api/v1/courses/{slug}/",
        "/api/v1/sessions/",
        "/api/v1/sessions/{code}/",
    ):
        assert "get" in schema["paths"][path]


def test_docs_ui_serves_its_assets_locally(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    external = [
        url for url in re.findall(r"""(?:src|href)=["']([^"']+)""", html) if url.startswith(("http:", "https:", "//"))
    ]
    assert external == []
    assert "cdn" not in html.lower()
