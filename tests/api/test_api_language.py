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


def test_a_write_to_an_unknown_api_address_is_the_json_404_not_a_csrf_page(client, db):
    for url in ("/api/v1/me/enrolments/0/cancel/", "/api/v2/courses/"):
        response = client.post(url, {}, content_type="application/json", HTTP_AUTHORIZATION="Bearer allys_nope")

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_a_read_without_the_final_slash_is_redirected(client, db):
    response = client.get("/api/v1/themes?page=1")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/themes/?page=1"
    assert client.get("/api/v1/nothing-here").status_code == 404
