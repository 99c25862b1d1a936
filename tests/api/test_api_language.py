"""The API speaks the client's language (Accept-Language), French by default."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_api_error_is_in_french_by_default_and_in_english_on_request(client):
    french = client.get("/api/v1/sessions/NO-SUCH-CODE/")
    english = client.get("/api/v1/sessions/NO-SUCH-CODE/", headers={"Accept-Language": "en"})

    assert french.status_code == english.status_code == 404
    assert french.json()["error"]["code"] == english.json()["error"]["code"] == "not_found"
    assert english.json()["error"]["message"] == "There is no session with this code in the published catalogue."
    assert french.json()["error"]["message"] != english.json()["error"]["message"]
    assert "Accept-Language" in english.headers["Vary"]


def test_an_address_under_the_api_that_matches_nothing_answers_the_json_error(client):
    response = client.get("/api/v1/no-such-resource/", headers={"Accept-Language": "en"})

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "There is nothing at this address."}}


def test_a_missing_site_page_is_still_the_html_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
