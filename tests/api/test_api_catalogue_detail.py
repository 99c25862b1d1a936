"""The public catalogue API's detail endpoints: a course by slug, a session by code."""

import pytest

pytestmark = pytest.mark.django_db


def test_course_detail_has_the_course_sheet_and_trainers(client, api_catalogue):
    response = client.get("/api/v1/courses/apprentissage-profond-frugal/")
    assert response.status_code == 200
    course = response.json()
    assert course["title"] == "Apprentissage profond frugal"
    assert "Python et statistiques" in course["prerequisites"]
    assert course["contact"]["email"] == "formation@allys.example"
    assert course["trainers"][0]["name"] == "Inès Berthier"
    assert [s["code"] for s in course["sessions"]] == ["IAF-DL-01", "IAF-DL-02"]


def test_unpublished_or_unknown_course_is_a_404(client, api_catalogue):
    for slug in ("brouillon", "nothing-here"):
        response = client.get(f"/api/v1/courses/{slug}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_session_detail(client, api_catalogue):
    response = client.get("/api/v1/sessions/ETH-01/")
    session = response.json()
    assert session["places_left"] == 0 and session["state"] == "full"
    assert session["course"]["slug"] == "ethique-des-donnees"
    assert client.get("/api/v1/sessions/DRAFT-01/").status_code == 404
