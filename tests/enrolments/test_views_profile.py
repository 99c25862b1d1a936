"""The profile page: only for the signed-in person, saves names and address, says what is wrong in
French without losing what was typed, and goes back to a local ``next`` only."""

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from enrolments.factories import UserFactory
from enrolments.forms.profile import PHONE_ERROR, POSTAL_CODE_ERROR

URL = "/accounts/profile/"


@pytest.fixture(autouse=True)
def site(home_page):
    """The header's links need a site."""
    return home_page


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def in_french(message) -> str:
    with translation.override("fr"):
        return str(message)


def profile_data(**changes) -> dict[str, str]:
    data = {
        "civility": "mr",
        "first_name": "Karim",
        "last_name": "Benali",
        "street_address": "15 parvis René Descartes",
        "postal_code": "69007",
        "city": "Lyon",
        "country": "France",
        "phone": "+33 6 12 34 56 78",
        "professional_status": "job_seeker",
        "employer_name": "",
    }
    return data | changes


def test_anonymous_visitor_is_sent_to_sign_in_and_back(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_english_anonymous_visitor_is_sent_to_the_english_sign_in(client):
    response = client.get("/en" + URL)

    assert response["Location"] == "/en/accounts/login/?next=/en/accounts/profile/"


def test_profile_shows_the_current_values_with_labels_and_autocomplete(client, learner):
    client.force_login(learner)

    page = soup(client.get(URL))

    assert page.find(id="id_first_name")["value"] == "Camille"
    assert page.find(id="id_postal_code")["value"] == "69002"
    assert page.find(id="id_postal_code")["autocomplete"] == "postal-code"
    assert page.find(id="id_phone")["type"] == "tel"
    assert page.find("label", attrs={"for": "id_city"}) is not None
    assert page.find("option", selected=True, value="employee") is not None


def test_profile_saves_valid_data_and_confirms(client, learner):
    client.force_login(learner)

    response = client.post(URL, profile_data(postal_code="69 007"))

    assert response.status_code == 302
    assert response["Location"] == URL
    learner.refresh_from_db()
    assert (learner.first_name, learner.last_name, learner.postal_code) == ("Karim", "Benali", "69007")
    assert learner.professional_status == "job_seeker"
    assert learner.has_legal_profile
    status = soup(client.get(URL)).main.find(attrs={"role": "status"})
    with translation.override("fr"):
        assert translation.gettext("Your profile has been saved.") in status.get_text()


def test_bad_french_postal_code_is_refused_in_french_and_typed_values_are_kept(client, learner):
    client.force_login(learner)

    response = client.post(URL, profile_data(postal_code="6900", city="Lyon 7e"))

    assert response.status_code == 200
    page = soup(response)
    assert page.html["lang"] == "fr"
    postal_code = page.find(id="id_postal_code")
    assert postal_code["value"] == "6900"
    assert postal_code["aria-invalid"] == "true"
    assert "id_postal_code_errors" in postal_code["aria-describedby"]
    assert in_french(POSTAL_CODE_ERROR) in page.find(id="id_postal_code_errors").get_text()
    assert page.find(attrs={"role": "alert"}).find("a", href="#id_postal_code") is not None
    assert page.find(id="id_city")["value"] == "Lyon 7e"
    assert page.find(id="id_first_name")["value"] == "Karim"
    learner.refresh_from_db()
    assert (learner.postal_code, learner.first_name) == ("69002", "Camille")


def test_missing_name_and_address_are_refused_in_french(client, learner):
    client.force_login(learner)

    response = client.post(URL, profile_data(last_name="", street_address=""))

    page = soup(response)
    assert "Champ requis." in page.find(id="id_last_name_errors").get_text()
    assert "Champ requis." in page.find(id="id_street_address_errors").get_text()
    learner.refresh_from_db()
    assert learner.street_address == "12 rue de la République"


def test_foreign_postal_codes_are_not_held_to_the_french_format(client, learner):
    client.force_login(learner)

    client.post(URL, profile_data(postal_code="SW1A 1AA", city="London", country="Royaume-Uni"))

    learner.refresh_from_db()
    assert (learner.postal_code, learner.country) == ("SW1A 1AA", "Royaume-Uni")


def test_phone_with_letters_is_refused(client, learner):
    client.force_login(learner)

    response = client.post(URL, profile_data(phone="call me"))

    assert in_french(PHONE_ERROR) in soup(response).find(id="id_phone_errors").get_text()


def test_profile_asks_for_the_address_when_the_documents_need_it(client):
    user = UserFactory(street_address="", postal_code="", city="")
    client.force_login(user)

    page = soup(client.get(URL))

    assert page.find(id="id_street_address").get("value", "") == ""
    with translation.override("fr"):
        notice = translation.gettext(
            "Your name and postal address are needed for your training contract, agreements and invoices."
        )
    assert notice in page.main.get_text()


def test_saving_goes_back_to_a_local_next(client, learner):
    client.force_login(learner)
    form_page = soup(client.get(URL + "?next=/inscription/IAF-TST-2027-01/"))
    assert form_page.find("input", attrs={"name": "next"})["value"] == "/inscription/IAF-TST-2027-01/"

    response = client.post(URL, profile_data(next="/inscription/IAF-TST-2027-01/"))

    assert response.status_code == 302
    assert response["Location"] == "/inscription/IAF-TST-2027-01/"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_saving_ignores_a_next_leaving_the_site(client, learner, next_url):
    client.force_login(learner)
    assert soup(client.get(URL, {"next": next_url})).find("input", attrs={"name": "next"}) is None

    response = client.post(URL, profile_data(next=next_url))

    assert response.status_code == 302
    assert response["Location"] == URL


def test_refused_form_keeps_the_next(client, learner):
    client.force_login(learner)

    response = client.post(URL, profile_data(postal_code="abc", next="/inscription/IAF-TST-2027-01/"))

    assert soup(response).find("input", attrs={"name": "next"})["value"] == "/inscription/IAF-TST-2027-01/"
