"""Course pages describe themselves to search engines as a schema.org Course."""

import json
import re
from decimal import Decimal

from catalogue.seo import iso_duration, jsonld_script
from tests.catalogue.course_fixtures import build_full_course, open_session

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)
OFFSET = re.compile(r"T\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def course_jsonld(client, course) -> dict:
    documents = [json.loads(raw) for raw in SCRIPT.findall(client.get(course.url).content.decode())]
    return next(document for document in documents if document["@type"] == "Course")


def test_course_jsonld_names_the_course_and_its_provider(client, catalogue_page, settings):
    settings.ALLYS_ORGANISATION_NAME = "ALLyS Formation"
    settings.ALLYS_ORGANISATION_URL = "https://formation.allys.example"
    course = build_full_course(catalogue_page)

    data = course_jsonld(client, course)

    assert data["@context"] == "https://schema.org"
    assert data["name"] == "Apprentissage profond frugal"
    assert data["description"] == "Une formation courte et pratique."
    assert data["provider"] == {
        "@type": "Organization",
        "name": "ALLyS Formation",
        "url": "https://formation.allys.example",
    }
    assert data["inLanguage"] == "fr"
    assert data["teaches"] == ["Savoir entraîner un modèle sobre."]
    assert data["coursePrerequisites"] == "Python et statistiques de base."
    assert data["timeRequired"] == "PT14H"
    assert data["educationalCredentialAwarded"]["identifier"] == "RS6154"
    assert data["educationalCredentialAwarded"]["recognizedBy"]["name"] == "ENS de Lyon"


def test_each_upcoming_session_is_a_course_instance_with_dates_place_and_offers(client, catalogue_page):
    course = build_full_course(catalogue_page)
    session = open_session(course, code="IAF-DL-2027-03")

    (instance,) = course_jsonld(client, course)["hasCourseInstance"]

    assert instance["@type"] == "CourseInstance"
    assert instance["courseMode"] == "onsite"
    assert OFFSET.search(instance["startDate"])
    assert OFFSET.search(instance["endDate"])
    assert instance["startDate"].startswith(session.slots.first().date.isoformat())
    assert instance["courseWorkload"] == "PT16H"
    assert instance["location"]["address"]["@type"] == "PostalAddress"
    assert instance["location"]["address"]["addressLocality"] == "Lyon"
    offers = {offer["price"]: offer for offer in instance["offers"]}
    assert set(offers) == {"900.00", "1350.00", "450.00", "0.00"}
    assert offers["900.00"]["priceCurrency"] == "EUR"
    assert offers["900.00"]["availability"] == "https://schema.org/InStock"
    assert offers["900.00"]["url"].endswith("#session-IAF-DL-2027-03")


def test_full_session_offers_are_sold_out(client, catalogue_page):
    course = build_full_course(catalogue_page)
    open_session(course, capacity=10, places_taken=10)

    (instance,) = course_jsonld(client, course)["hasCourseInstance"]

    assert {offer["availability"] for offer in instance["offers"]} == {"https://schema.org/SoldOut"}


def test_online_session_has_a_virtual_location(client, catalogue_page):
    course = build_full_course(catalogue_page)
    open_session(course, venue=None, is_online=True)

    (instance,) = course_jsonld(client, course)["hasCourseInstance"]

    assert instance["courseMode"] == "online"
    assert instance["location"]["@type"] == "VirtualLocation"


def test_cancelled_sessions_are_left_out(client, catalogue_page):
    course = build_full_course(catalogue_page)
    open_session(course, status="cancelled")

    assert "hasCourseInstance" not in course_jsonld(client, course)


def test_text_typed_by_an_editor_cannot_close_the_script(client, catalogue_page):
    course = build_full_course(catalogue_page, title="IA </script><script>alert(1)</script>")

    html = client.get(course.url).content.decode()

    assert "<script>alert(1)" not in html
    assert course_jsonld(client, course)["name"] == "IA </script><script>alert(1)</script>"


def test_jsonld_script_escapes_html_significant_characters():
    script = jsonld_script({"name": "a</script>&<!--"})

    assert script.count("</script>") == 1
    assert "\\u003C/script\\u003E\\u0026\\u003C!--" in script


def test_hours_become_iso_8601_durations():
    assert iso_duration(Decimal("14")) == "PT14H"
    assert iso_duration(Decimal("3.5")) == "PT3H30M"
    assert iso_duration(Decimal("0.5")) == "PT30M"
    assert iso_duration(None) is None
