"""The open-data exports as a regional portal sees them: CSV rows, JSON-LD items, headers, queries."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from catalogue.factories import CoursePageFactory, PartnerFactory, ThemeFactory
from courses.factories import SessionFactory, make_price_tiers
from courses.listing import clear_cache
from courses.models import SessionStatus

CSV_URL = "/api/v1/open-data/catalogue.csv"
JSONLD_URL = "/api/v1/open-data/catalogue.jsonld"


def soon(days: int) -> dt.date:
    return dt.date.today() + dt.timedelta(days=days)


@pytest.fixture
def course(catalogue_page):
    theme = ThemeFactory(name="IA frugale")
    partner = PartnerFactory(name="Inria")
    return CoursePageFactory(
        parent=catalogue_page,
        title="Apprentissage frugal",
        slug="apprentissage-frugal",
        themes=[theme],
        partners=[partner],
    )


@pytest.fixture
def two_sessions(course):
    first = SessionFactory(course=course, code="IAF-AF-2027-01", start=soon(30), places_taken=5)
    second = SessionFactory(
        course=course, code="IAF-AF-2027-02", start=soon(90), venue=None, is_online=True, languages=["en"]
    )
    return first, second


def csv_rows(response) -> list[dict]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def feed(response) -> dict:
    return json.loads(response.content)


def test_urls_are_the_documented_public_paths():
    assert reverse("api:catalogue_csv") == CSV_URL
    assert reverse("api:catalogue_jsonld") == JSONLD_URL


def test_csv_has_one_row_per_upcoming_session(client, two_sessions):
    response = client.get(CSV_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="allys-catalogue.csv"'
    assert response["Cache-Control"] == "public, max-age=3600"
    first, second = csv_rows(response)
    assert first["course_title"] == "Apprentissage frugal"
    assert first["course_url"] == "http://localhost/formations/apprentissage-frugal/"
    assert first["course_slug"] == "apprentissage-frugal"
    assert (first["themes"], first["partners"], first["level"], first["hours"]) == (
        "IA frugale",
        "Inria",
        "intermediate",
        "14",
    )
    assert first["objectives"] == "Savoir entraîner un modèle sobre."
    assert first["prerequisites"] == "Python et statistiques de base."
    assert first["session_code"] == "IAF-AF-2027-01"
    assert dt.datetime.fromisoformat(first["start"]) == two_sessions[0].starts_at
    assert first["start"].endswith(("+01:00", "+02:00"))
    assert (first["format"], first["city"], first["languages"]) == ("onsite", "Lyon", "fr")
    assert first["places_left"] == "7"
    assert (first["price_individual_incl_tax"], first["price_employer_excl_tax"], first["currency"]) == (
        "900.00",
        "1350.00",
        "EUR",
    )
    assert first["enrol_url"] == "http://testserver/inscription/IAF-AF-2027-01/"
    assert (second["session_code"], second["format"], second["city"], second["languages"]) == (
        "IAF-AF-2027-02",
        "online",
        "",
        "en",
    )


def test_csv_leaves_out_unpublished_courses_and_cancelled_or_ended_sessions(client, catalogue_page, course):
    SessionFactory(course=course, code="IAF-AF-CANCELLED", start=soon(20), status=SessionStatus.CANCELLED)
    SessionFactory(course=course, code="IAF-AF-ENDED", start=soon(-20))
    draft = CoursePageFactory(parent=catalogue_page, title="Brouillon", slug="brouillon", publish=False)
    SessionFactory(course=draft, code="DRAFT-01", start=soon(20))

    (row,) = csv_rows(client.get(CSV_URL))

    # The course stays, as one row without a session.
    assert row["course_slug"] == "apprentissage-frugal"
    assert row["session_code"] == row["start"] == row["places_left"] == ""


def test_jsonld_is_a_datafeed_of_courses_with_instances_and_offers(client, two_sessions):
    response = client.get(JSONLD_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    data = feed(response)
    assert (data["@context"], data["@type"]) == ("https://schema.org", "DataFeed")
    assert data["dateModified"]
    (item,) = data["dataFeedElement"]
    assert item["@type"] == "Course"
    assert item["name"] == "Apprentissage frugal"
    assert item["url"] == "http://localhost/formations/apprentissage-frugal/"
    assert item["provider"]["@type"] == "EducationalOrganization"
    assert item["teaches"] == ["Savoir entraîner un modèle sobre."]
    assert item["timeRequired"] == "PT14H"
    first, second = item["hasCourseInstance"]
    assert first["identifier"] == "IAF-AF-2027-01"
    assert first["courseMode"] == "onsite"
    assert first["location"]["address"]["addressLocality"] == "Lyon"
    assert second["courseMode"] == "online"
    assert second["location"]["@type"] == "VirtualLocation"
    assert second["inLanguage"] == "en"
    individual = first["offers"][0]
    assert (individual["price"], individual["priceCurrency"]) == ("900.00", "EUR")
    assert individual["availability"] == "https://schema.org/InStock"
    assert individual["url"].endswith("#session-IAF-AF-2027-01")


def test_jsonld_marks_a_full_session_sold_out(client, course):
    SessionFactory(course=course, code="IAF-AF-FULL", start=soon(30), places_taken=12)

    (instance,) = feed(client.get(JSONLD_URL))["dataFeedElement"][0]["hasCourseInstance"]

    assert {offer["availability"] for offer in instance["offers"]} == {"https://schema.org/SoldOut"}


def test_jsonld_leaves_out_unpublished_courses_and_cancelled_or_ended_sessions(client, catalogue_page, course):
    SessionFactory(course=course, code="IAF-AF-CANCELLED", start=soon(20), status=SessionStatus.CANCELLED)
    SessionFactory(course=course, code="IAF-AF-ENDED", start=soon(-20))
    CoursePageFactory(parent=catalogue_page, title="Brouillon", slug="brouillon", publish=False)

    (item,) = feed(client.get(JSONLD_URL))["dataFeedElement"]

    assert item["name"] == "Apprentissage frugal"
    assert item["hasCourseInstance"] == []


@pytest.fixture
def english(course, locales):
    page = course.copy_for_translation(locales["en"], copy_parents=True, alias=False)
    page.title = "Frugal learning"
    page.objectives = "<ul><li>Train a lean model.</li></ul>"
    page.save_revision().publish()
    return page


@pytest.mark.parametrize("headers", [{"QUERY_STRING": "lang=en"}, {"HTTP_ACCEPT_LANGUAGE": "en"}])
def test_english_variant_uses_the_english_pages(client, catalogue_page, two_sessions, english, headers):
    CoursePageFactory(parent=catalogue_page, title="Sans traduction", slug="sans-traduction")

    rows = csv_rows(client.get(CSV_URL, **headers))
    items = feed(client.get(JSONLD_URL, **headers))["dataFeedElement"]

    assert [row["course_title"] for row in rows] == ["Frugal learning", "Frugal learning", "Sans traduction"]
    assert rows[0]["objectives"] == "Train a lean model."
    assert rows[0]["course_url"].startswith("http://localhost/en/")
    assert rows[0]["enrol_url"] == "http://testserver/en/inscription/IAF-AF-2027-01/"
    assert [item["name"] for item in items] == ["Frugal learning", "Sans traduction"]
    assert len(items[0]["hasCourseInstance"]) == 2


def test_french_is_the_default(client, two_sessions, english):
    rows = csv_rows(client.get(CSV_URL))

    assert {row["course_title"] for row in rows} == {"Apprentissage frugal"}


def test_theme_filter_keeps_the_courses_of_that_theme(client, catalogue_page, two_sessions):
    other = CoursePageFactory(parent=catalogue_page, title="IA inclusive", themes=[ThemeFactory(name="Inclusion")])
    SessionFactory(course=other, start=soon(40))

    rows = csv_rows(client.get(CSV_URL, {"theme": "inclusion"}))
    items = feed(client.get(JSONLD_URL, {"theme": "ia-frugale"}))["dataFeedElement"]

    assert {row["course_title"] for row in rows} == {"IA inclusive"}
    assert [item["name"] for item in items] == ["Apprentissage frugal"]


def test_session_filter_keeps_the_matching_sessions(client, two_sessions):
    rows = csv_rows(client.get(CSV_URL, {"language": "en"}))

    assert [row["session_code"] for row in rows] == ["IAF-AF-2027-02"]


@pytest.mark.parametrize("url", [CSV_URL, JSONLD_URL])
def test_unchanged_export_answers_not_modified(client, two_sessions, url):
    first = client.get(url)

    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert first["ETag"] and first["Last-Modified"]
    assert (again.status_code, again.content) == (304, b"")
    assert since.status_code == 304


@pytest.mark.parametrize("url", [CSV_URL, JSONLD_URL])
def test_changed_export_is_sent_again(client, two_sessions, url):
    etag = client.get(url)["ETag"]
    SessionFactory(course=two_sessions[0].course, code="IAF-AF-2027-03", start=soon(120))

    response = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert b"IAF-AF-2027-03" in response.content


def test_prices_follow_each_sessions_tiers(client, course):
    SessionFactory(course=course, start=soon(30), price_tiers=make_price_tiers(Decimal("1200.00")))

    (row,) = csv_rows(client.get(CSV_URL))

    assert (row["price_individual_incl_tax"], row["price_employer_excl_tax"]) == ("1200.00", "1800.00")


def _queries(client, url: str, params: dict) -> int:
    clear_cache()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [CSV_URL, JSONLD_URL])
@pytest.mark.parametrize("params", [{}, {"theme": "ia-frugale"}])
def test_query_count_does_not_grow_with_the_catalogue(client, catalogue_page, url, params):
    theme = ThemeFactory(name="IA frugale")

    def add_courses(count: int) -> None:
        for _n in range(count):
            page = CoursePageFactory(parent=catalogue_page, themes=[theme], partners=[PartnerFactory()])
            SessionFactory(course=page, start=soon(30))
            SessionFactory(course=page, start=soon(60))

    add_courses(2)
    client.get(url, params)  # Wagtail's site root paths are cached after the first request.
    small = _queries(client, url, params)
    add_courses(8)
    large = _queries(client, url, params)

    assert small == large
    assert large <= 12, large


# --- which sessions: one rule -------------------------------------------------


@pytest.fixture
def running_and_upcoming(course):
    running = SessionFactory(course=course, code="IAF-AF-RUNNING", start=soon(-1), days=3, languages=["en"])
    upcoming = SessionFactory(course=course, code="IAF-AF-UPCOMING", start=soon(30), languages=["en"])
    return running, upcoming


@pytest.mark.parametrize("params", [{}, {"theme": "ia-frugale"}])
def test_without_a_session_filter_running_sessions_are_listed(client, running_and_upcoming, params):
    rows = csv_rows(client.get(CSV_URL, params))
    (item,) = feed(client.get(JSONLD_URL, params))["dataFeedElement"]

    assert [row["session_code"] for row in rows] == ["IAF-AF-RUNNING", "IAF-AF-UPCOMING"]
    assert [instance["identifier"] for instance in item["hasCourseInstance"]] == ["IAF-AF-RUNNING", "IAF-AF-UPCOMING"]


@pytest.mark.parametrize("params", [{"language": "en"}, {"language": "en", "theme": "ia-frugale"}])
def test_with_a_session_filter_only_matching_sessions_not_yet_started_are_listed(client, running_and_upcoming, params):
    # The running session is in English too: the filter applies to sessions not yet started only.
    rows = csv_rows(client.get(CSV_URL, params))
    (item,) = feed(client.get(JSONLD_URL, params))["dataFeedElement"]

    assert [row["session_code"] for row in rows] == ["IAF-AF-UPCOMING"]
    assert [instance["identifier"] for instance in item["hasCourseInstance"]] == ["IAF-AF-UPCOMING"]


def test_a_session_parameter_that_filters_nothing_keeps_running_sessions(client, running_and_upcoming):
    # places=0 is the default (no restriction): not a session filter.
    rows = csv_rows(client.get(CSV_URL, {"theme": "ia-frugale", "places": "0"}))

    assert [row["session_code"] for row in rows] == ["IAF-AF-RUNNING", "IAF-AF-UPCOMING"]


def test_malformed_filter_values_are_ignored_not_refused(client, two_sessions):
    everything = client.get(CSV_URL)

    response = client.get(CSV_URL, {"month": "2027-13", "from": "tomorrow", "places": "7", "language": "xx"})

    assert response.status_code == 200
    assert response.content == everything.content


# --- HTTP: headers, methods, content negotiation ------------------------------


@pytest.mark.parametrize("url", [CSV_URL, JSONLD_URL])
def test_export_headers(client, two_sessions, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response.has_header("Last-Modified")
    assert response["ETag"].startswith('"') and len(response["ETag"]) == 34
    assert not response.has_header("Allow")


@pytest.mark.parametrize(
    ("url", "content_type"), [(CSV_URL, "text/csv; charset=utf-8"), (JSONLD_URL, "application/ld+json")]
)
@pytest.mark.parametrize("accept", ["text/csv", "application/ld+json", "application/json", "*/*", "text/html"])
def test_any_accept_header_gets_the_export(client, two_sessions, url, content_type, accept):
    plain = client.get(url)

    response = client.get(url, HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.content == plain.content


@pytest.mark.parametrize("url", [CSV_URL, JSONLD_URL])
def test_head_sends_the_headers_without_the_body(client, two_sessions, url):
    full = client.get(url)

    response = client.head(url)

    assert response.status_code == 200
    assert response.content == b""
    assert (response["ETag"], response["Content-Type"]) == (full["ETag"], full["Content-Type"])


@pytest.mark.parametrize("url", [CSV_URL, JSONLD_URL])
@pytest.mark.parametrize("method", ["post", "put", "delete", "options"])
def test_other_methods_get_405_in_the_error_shape(client, url, method):
    with translation.override("en"):
        response = getattr(client, method)(url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response.json()["error"]["message"] == f'Method "{method.upper()}" not allowed.'
    assert "public" not in response.get("Cache-Control", "")


# --- schema ---------------------------------------------------------------------


@pytest.fixture
def schema_paths(client) -> dict:
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return json.loads(response.content)["paths"]


@pytest.mark.parametrize(
    ("url", "operation_id", "media_type"),
    [
        (CSV_URL, "open_data_catalogue_csv", "text/csv"),
        (JSONLD_URL, "open_data_catalogue_jsonld", "application/ld+json"),
    ],
)
def test_schema_describes_both_exports(schema_paths, url, operation_id, media_type):
    path = schema_paths[url]

    assert set(path) == {"get"}
    operation = path["get"]
    assert operation["operationId"] == operation_id
    assert operation["tags"] == ["open-data"]
    assert operation["security"] == [{}]
    assert list(operation["responses"]["200"]["content"]) == [media_type]
    assert set(operation["responses"]) == {"200", "304", "429"}
    assert "content" not in operation["responses"]["304"]
    assert list(operation["responses"]["429"]["content"]) == ["application/json"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert names == {
        "lang",
        "q",
        "theme",
        "partner",
        "format",
        "language",
        "level",
        "price",
        "duration",
        "month",
        "from",
        "to",
        "places",
    }
