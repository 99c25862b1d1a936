"""Personal API tokens: authenticating with them, their scopes, and the dashboard pages that manage them."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from api.authentication import token_create
from api.models import ApiToken, TokenScope, hash_token
from enrolments.factories import UserFactory

ME = "/api/v1/me/"


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def person(db):
    return UserFactory(email="ines@example.org", first_name="Inès", last_name="Durand")


@pytest.fixture
def read_token(person):
    return token_create(user=person, name="HR system", scope=TokenScope.READ)


@pytest.fixture
def write_token(person):
    return token_create(user=person, name="Script", scope=TokenScope.WRITE)


# --- authentication -------------------------------------------------------------------------


def test_a_valid_token_opens_the_owner_profile_and_records_its_use(client, read_token):
    token, raw = read_token

    response = client.get(ME, **bearer(raw))

    assert response.status_code == 200
    assert response.json()["email"] == "ines@example.org"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_use_is_written_at_most_once_a_minute(client, read_token):
    token, raw = read_token
    recent = timezone.now() - dt.timedelta(seconds=20)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)

    client.get(ME, **bearer(raw))

    token.refresh_from_db()
    assert token.last_used_at == recent


def test_a_revoked_token_is_refused_with_a_401(client, read_token):
    token, raw = read_token
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())

    response = client.get(ME, **bearer(raw))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_token_is_refused_with_a_401(client, read_token):
    response = client.get(ME, **bearer("allys_not-a-real-token"))

    assert response.status_code == 401
    assert "email" not in response.json()


def test_the_token_of_a_deactivated_account_is_refused(client, person, read_token):
    person.is_active = False
    person.save()

    assert client.get(ME, **bearer(read_token[1])).status_code == 401


def test_no_credentials_is_a_401_in_the_error_shape(client, db):
    response = client.get(ME)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_read_only_token_cannot_write(client, person, read_token):
    response = client.patch(ME, {"city": "Grenoble"}, content_type="application/json", **bearer(read_token[1]))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "token_read_only"
    person.refresh_from_db()
    assert person.city == "Lyon"


def test_a_read_write_token_can_write(client, person, write_token):
    response = client.patch(ME, {"city": "Grenoble"}, content_type="application/json", **bearer(write_token[1]))

    assert response.status_code == 200
    person.refresh_from_db()
    assert person.city == "Grenoble"


def test_a_signed_in_browser_must_send_the_csrf_token_to_write(person):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)

    response = browser.patch(ME, {"city": "Grenoble"}, content_type="application/json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    person.refresh_from_db()
    assert person.city == "Lyon"


def test_a_signed_in_browser_reads_without_a_csrf_token(person):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)

    assert browser.get(ME).json()["email"] == "ines@example.org"


# --- the dashboard pages ------------------------------------------------------------------------


def test_the_token_pages_need_a_signed_in_person(client, db):
    response = client.get(reverse("api_tokens:list"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_creating_a_token_shows_it_once_and_stores_only_its_hash(client, person):
    client.force_login(person)

    response = client.post(reverse("api_tokens:create"), {"name": "HR system", "scope": "write"})

    assert response.status_code == 200
    raw = response.context["raw"]
    assert raw.startswith("allys_") and raw in response.content.decode()
    token = ApiToken.objects.get(user=person)
    assert token.key_hash == hash_token(raw)
    assert token.scope == TokenScope.WRITE and token.prefix == raw[: len(token.prefix)]
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    listing = client.get(reverse("api_tokens:list")).content.decode()
    assert "HR system" in listing and token.prefix in listing and raw not in listing
    assert client.get(ME, **bearer(raw)).json()["email"] == "ines@example.org"


def test_a_token_without_a_name_is_refused_and_the_choice_kept(client, person):
    client.force_login(person)

    with translation.override("en"):
        path = reverse("api_tokens:create")

    response = client.post(path, {"name": "  ", "scope": "write"})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert re.search(r'value="write"[^>]*checked', response.content.decode())
    assert not ApiToken.objects.exists()


def test_revoking_a_token_stops_it_and_keeps_it_listed(client, person, read_token):
    token, raw = read_token
    client.force_login(person)

    with translation.override("en"):
        response = client.post(reverse("api_tokens:revoke", args=[token.pk]), follow=True)

    assert "is revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Revoked on" in response.content.decode()
    assert Client().get(ME, **bearer(raw)).status_code == 401


def test_revoking_someone_else_token_is_a_404(client, read_token):
    token, _raw = read_token
    client.force_login(UserFactory())

    response = client.post(reverse("api_tokens:revoke", args=[token.pk]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_list_shows_only_my_tokens(client, person, read_token):
    other = UserFactory()
    token_create(user=other, name="Someone else's", scope=TokenScope.READ)
    client.force_login(person)

    page = client.get(reverse("api_tokens:list")).content.decode()

    assert "HR system" in page and "Someone else" not in page
