"""Accounts (django-allauth): sign up with names, verify the email, sign in by email, reset the password,
sign out; the pages speak French at /accounts/ and English at /en/accounts/; the header's account links."""

import re

import pytest
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.core import mail
from django.core.cache import cache

from enrolments.factories import UserFactory
from enrolments.models import User

PASSWORD = "motdepasse-solide"
NEW_PASSWORD = "un-autre-secret-2027"


@pytest.fixture(autouse=True)
def accounts_setup(settings, home_page):
    """Our sign-up form, a site for the header's links, and allauth's rate limits forgotten between tests."""
    settings.ACCOUNT_FORMS = {"signup": "enrolments.forms.signup.SignupForm"}
    cache.clear()
    yield
    cache.clear()


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def main_text(response) -> str:
    return " ".join(soup(response).main.get_text(" ").split())


def link_in(message: mail.EmailMessage) -> str:
    """The path of the only link of an email sent to the test server."""
    return re.search(r"http://testserver(/\S+)", message.body).group(1)


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def sign_up(client, email="alex@example.org", **extra):
    data = {"first_name": "Alex", "last_name": "Durand", "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/accounts/signup/", data | extra)


# --- sign up and email verification ------------------------------------------------------------


def test_sign_up_form_asks_names_then_email_and_password_with_labels(client):
    page = soup(client.get("/accounts/signup/"))

    fields = [(f["name"], f.get("autocomplete")) for f in page.form.find_all("input") if f["type"] != "hidden"]
    assert fields == [
        ("first_name", "given-name"),
        ("last_name", "family-name"),
        ("email", "email"),
        ("password1", "new-password"),
        ("password2", "new-password"),
    ]
    labels = {label["for"]: " ".join(label.get_text().split()) for label in page.form.find_all("label")}
    assert labels["id_first_name"] == "Prénom *"
    assert labels["id_last_name"] == "Nom *"
    assert labels["id_email"] == "E-mail *"


def test_sign_up_sends_a_verification_email_and_shows_the_verify_page(client):
    response = sign_up(client)

    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Vérifiez votre adresse e-mail" in main_text(page)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alex@example.org"]
    assert mail.outbox[0].subject.startswith("[ALLyS Formation] ")
    user = User.objects.get(email="alex@example.org")
    assert (user.first_name, user.last_name) == ("Alex", "Durand")
    assert signed_in_user_id(client) is None


def test_sign_up_without_names_is_refused_and_keeps_the_email(client):
    response = sign_up(client, first_name="", last_name="")

    assert response.status_code == 200
    page = soup(response)
    assert page.find(id="id_email")["value"] == "alex@example.org"
    assert page.find(id="id_first_name")["aria-invalid"] == "true"
    assert "Champ requis." in page.find(id="id_first_name_errors").get_text()
    assert not User.objects.filter(email="alex@example.org").exists()


def test_sign_up_with_different_passwords_links_the_error_to_the_field(client):
    response = sign_up(client, password2="autre-chose-123")

    page = soup(response)
    confirmation = page.find(id="id_password2")
    assert "id_password2_errors" in confirmation["aria-describedby"]
    assert "Vous devez saisir deux fois le même mot de passe." in page.find(id="id_password2_errors").get_text()
    assert page.find(attrs={"role": "alert"}).find("a", href="#id_password2") is not None


def test_following_the_verification_link_confirms_the_email_then_the_user_signs_in(client):
    sign_up(client)
    confirm_path = link_in(mail.outbox[0])

    confirm_page = soup(client.get(confirm_path))
    assert confirm_page.h1.get_text(strip=True) == "Confirmer l'adresse e-mail"
    assert not EmailAddress.objects.get(email="alex@example.org").verified  # a GET confirms nothing
    client.post(confirm_page.main.form["action"])

    assert EmailAddress.objects.get(email="alex@example.org").verified
    client.logout()
    response = client.post("/accounts/login/", {"login": "alex@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/mon-espace/"
    assert signed_in_user_id(client) == str(User.objects.get(email="alex@example.org").pk)


def test_unverified_user_cannot_sign_in_and_is_asked_to_verify(client):
    user = UserFactory(email="pending@example.org", verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    response = client.post("/accounts/login/", {"login": "pending@example.org", "password": PASSWORD}, follow=True)

    assert "Vérifiez votre adresse e-mail" in main_text(response)
    assert signed_in_user_id(client) is None
    assert [m.to for m in mail.outbox] == [["pending@example.org"]]


# --- sign in and out ---------------------------------------------------------------------------


def test_sign_in_by_email_goes_to_my_space(client, learner):
    response = client.post("/accounts/login/", {"login": "Camille@Example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/mon-espace/"
    assert signed_in_user_id(client) == str(learner.pk)


def test_wrong_password_shows_a_french_error_and_keeps_the_email(client, learner):
    response = client.post("/accounts/login/", {"login": learner.email, "password": "pas-le-bon"})

    assert response.status_code == 200
    page = soup(response)
    assert "L’adresse e-mail ou le mot de passe sont incorrects." in page.find(attrs={"role": "alert"}).get_text()
    assert page.find(id="id_login")["value"] == learner.email
    assert signed_in_user_id(client) is None


def test_english_sign_in_page_is_in_english(client):
    response = client.get("/en/accounts/login/")

    page = soup(response)
    assert page.html["lang"] == "en"
    assert page.h1.get_text(strip=True) == "Sign In"
    assert page.find("label", attrs={"for": "id_password"}).get_text(" ", strip=True).startswith("Password")
    assert page.find("a", string="Forgot your password?")["href"] == "/en/accounts/password/reset/"
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"


def test_french_sign_in_page_is_in_french(client):
    page = soup(client.get("/accounts/login/"))

    assert page.html["lang"] == "fr"
    assert page.h1.get_text(strip=True) == "Connexion"
    assert page.find("a", string="Mot de passe oublié ?")["href"] == "/accounts/password/reset/"


def test_sign_out_happens_on_post(client, learner):
    client.force_login(learner)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert signed_in_user_id(client) is None


def test_sign_out_page_asks_for_confirmation_and_a_get_does_not_sign_out(client, learner):
    client.force_login(learner)

    response = client.get("/accounts/logout/")

    assert soup(response).find("form", attrs={"action": "/accounts/logout/", "method": "post"}) is not None
    assert signed_in_user_id(client) == str(learner.pk)


# --- password reset ----------------------------------------------------------------------------


def test_password_reset_sends_a_link_that_sets_a_new_password(client, learner):
    response = client.post("/accounts/password/reset/", {"email": learner.email})
    assert response.status_code == 302
    assert "Réinitialisation du mot de passe" in main_text(client.get(response["Location"]))
    assert [m.to for m in mail.outbox] == [[learner.email]]

    # The emailed link stores the key in the session and redirects to the form.
    form_page = client.get(link_in(mail.outbox[0]), follow=True)
    assert soup(form_page).find(id="id_password1") is not None
    done = client.post(
        form_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True
    )

    assert "Votre mot de passe a été modifié." in main_text(done)
    client.logout()
    client.post("/accounts/login/", {"login": learner.email, "password": NEW_PASSWORD})
    assert signed_in_user_id(client) == str(learner.pk)


# --- header ------------------------------------------------------------------------------------


def account_nav(response) -> BeautifulSoup:
    return soup(response).find("nav", class_="account-nav")


def test_header_offers_sign_in_and_sign_up_to_visitors(client):
    nav = account_nav(client.get("/"))

    links = {a.get_text(strip=True): a["href"] for a in nav.find_all("a")}
    assert links == {"Connexion": "/accounts/login/", "Création de compte": "/accounts/signup/"}
    assert nav.find("form") is None


def test_header_offers_my_space_and_a_sign_out_button_once_signed_in(client, learner):
    client.force_login(learner)

    nav = account_nav(client.get("/"))

    assert nav.find("a")["href"] == "/mon-espace/"
    form = nav.find("form")
    assert (form["method"], form["action"]) == ("post", "/accounts/logout/")
    assert form.find("input", attrs={"name": "csrfmiddlewaretoken"}) is not None
    assert form.button.get_text(strip=True) == "Se déconnecter"


def test_english_header_links_stay_in_english(client, learner):
    client.force_login(learner)

    nav = account_nav(client.get("/en/accounts/password/change/"))

    assert nav.find("a")["href"] == "/en/mon-espace/"
    assert nav.find("form")["action"] == "/en/accounts/logout/"


def test_messages_are_shown_in_a_status_region(client, learner):
    client.force_login(learner)

    response = client.post("/accounts/logout/", follow=True)

    status = soup(response).main.find(attrs={"role": "status"})
    assert "Vous êtes déconnecté(e)." in status.get_text()
