"""The public catalogue API's lists: content, filters, ordering, pagination, language, errors."""

import pytest

pytestmark = pytest.mark.django_db


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]


def test_courses_list_shows_live_courses_with_sessions_places_and_prices(client, api_catalogue):
    response = client.get("/api/v1/courses/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert slugs(response) == ["apprentissage-profond-frugal", "ethique-des-donnees"]  # next session first
    deep = body["results"][0]
    assert deep["title"] == "Apprentissage profond frugal"
    assert deep["language"] == "fr"
    assert deep["url"] == "http://testserver/formations/apprentissage-profond-frugal/"
    assert deep["format"] == "online" and deep["level"] == "advanced"
    assert deep["hours"] == "14.0"
    assert "Savoir entraîner un modèle sobre" in deep["objectives"]
    assert deep["themes"] == [{"slug": "ia-frugale", "name": "IA frugale"}]
    assert deep["partners"] == [{"slug": "ujm", "name": "Université Jean Monnet"}]
    assert [s["code"] for s in deep["sessions"]] == ["IAF-DL-01", "IAF-DL-02"]
    first = deep["sessions"][0]
    assert first["places_left"] == 12 and first["state"] == "open"
    prices = {p["kind"]: p for p in first["prices"]}
    assert prices["individual"]["amount_incl_tax"] == "900.00"
    assert prices["employer"]["amount_excl_tax"] == "1350.00"
    assert body["results"][1]["sessions"][0]["places_left"] == 0


def test_courses_filters_narrow_the_results(client, api_catalogue):
    assert slugs(client.get("/api/v1/courses/?theme=ia-frugale")) == ["apprentissage-profond-frugal"]
    assert slugs(client.get("/api/v1/courses/?format=in_person")) == ["ethique-des-donnees"]
    assert slugs(client.get("/api/v1/courses/?places=1")) == ["apprentissage-profond-frugal"]
    assert slugs(client.get("/api/v1/courses/?price=over-1500")) == ["apprentissage-profond-frugal"]
    assert slugs(client.get("/api/v1/courses/?q=distiller")) == ["apprentissage-profond-frugal"]
    assert slugs(client.get("/api/v1/courses/?level=expert")) == []


def test_courses_ordering_by_title(client, api_catalogue):
    api_catalogue["sessions"][0].delete()
    api_catalogue["sessions"][1].delete()
    assert slugs(client.get("/api/v1/courses/"))[0] == "ethique-des-donnees"
    assert slugs(client.get("/api/v1/courses/?ordering=title"))[0] == "apprentissage-profond-frugal"


def test_malformed_parameters_get_a_400_with_the_error_shape(client, api_catalogue):
    response = client.get("/api/v1/courses/?format=underwater&from=2027-13-01")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "format" in error["fields"]
    assert client.get("/api/v1/sessions/?ordering=price").json()["error"]["fields"]["ordering"]


def test_a_page_beyond_the_last_is_a_404_in_the_error_shape(client, api_catalogue):
    response = client.get("/api/v1/courses/?page=9")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_sessions_list_satisfies_session_filters_on_each_session(client, api_catalogue):
    response = client.get("/api/v1/sessions/")
    assert [s["code"] for s in response.json()["results"]] == ["IAF-DL-01", "ETH-01", "IAF-DL-02"]
    assert response.json()["results"][0]["course"]["slug"] == "apprentissage-profond-frugal"
    cheap = client.get("/api/v1/sessions/?price=500-1500&ordering=-starts_at").json()["results"]
    assert [s["code"] for s in cheap] == ["ETH-01", "IAF-DL-01"]


def test_english_request_gets_the_english_translation(client, api_catalogue, locales):
    english = api_catalogue["deep"].copy_for_translation(locales["en"], copy_parents=True, alias=False)
    english.title = "Frugal deep learning"
    english.slug = "frugal-deep-learning"
    english.save_revision().publish()
    response = client.get("/api/v1/courses/?theme=ia-frugale", HTTP_ACCEPT_LANGUAGE="en")
    course = response.json()["results"][0]
    assert (course["title"], course["language"]) == ("Frugal deep learning", "en")
    assert course["url"].endswith("/en/formations/frugal-deep-learning/")
    assert response["Vary"] and "Accept-Language" in response["Vary"]
    french = client.get("/api/v1/courses/?theme=ia-frugale").json()["results"][0]
    assert french["title"] == "Apprentissage profond frugal"


def test_reference_lists(client, api_catalogue):
    assert client.get("/api/v1/themes/").json()["results"] == [
        {"slug": "ia-frugale", "name": "IA frugale", "summary": ""}
    ]
    partners = client.get("/api/v1/partners/").json()["results"]
    assert [p["slug"] for p in partners] == ["ujm"]
    trainers = client.get("/api/v1/trainers/").json()["results"]
    assert [(t["name"], t["organisation"]) for t in trainers] == [("Inès Berthier", "ujm")]
    assert client.get("/api/v1/programmes/").json()["count"] == 0
