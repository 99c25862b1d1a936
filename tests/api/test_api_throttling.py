"""Throttling: anonymous calls by address, signed-in calls by account, and a smaller budget for writes."""

import json

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from api.authentication import token_create
from api.models import TokenScope
from enrolments.factories import UserFactory

ME = "/api/v1/me/"
THEMES = "/api/v1/themes/"


def rates(**rates):
    return override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates})


@pytest.fixture(autouse=True)
def empty_throttle_history():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def write_token(db):
    person = UserFactory(email="ines@example.org", city="Lyon")
    return person, token_create(user=person, name="Script", scope=TokenScope.WRITE)[1]


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.django_db
def test_an_anonymous_client_over_its_budget_gets_a_429_saying_when_to_come_back(client):
    with rates(anon="3/minute", user="100/minute", write="100/minute"):
        answers = [client.get(THEMES) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    error = refused.json()["error"]
    assert error["code"] == "throttled"
    assert error["message"] == f"Requête ralentie. Disponible à nouveau dans {error['retry_after']} secondes."
    assert 0 < error["retry_after"] <= 60
    assert int(refused["Retry-After"]) == error["retry_after"]


@pytest.mark.django_db
def test_a_signed_in_client_has_the_account_budget_not_the_address_one(client, write_token):
    _person, token = write_token
    with rates(anon="2/minute", user="5/minute", write="100/minute"):
        answers = [client.get(ME, **bearer(token)).status_code for _ in range(6)]

    assert answers == [200] * 5 + [429]


@pytest.mark.django_db
def test_writes_have_their_own_smaller_budget_and_reads_go_on(client, write_token):
    person, token = write_token
    with rates(anon="100/minute", user="100/minute", write="2/minute"):
        writes = [
            client.patch(ME, {"city": city}, content_type="application/json", **bearer(token))
            for city in ("Grenoble", "Annecy", "Valence")
        ]
        read = client.get(ME, **bearer(token))

    assert [answer.status_code for answer in writes] == [200, 200, 429]
    assert writes[-1].json()["error"]["code"] == "throttled"
    person.refresh_from_db()
    assert person.city == "Annecy"  # the refused write changed nothing
    assert read.status_code == 200
    assert read.json()["city"] == "Annecy"


@pytest.mark.django_db
def test_one_account_over_its_budget_does_not_slow_another(client, write_token):
    _person, token = write_token
    other = token_create(user=UserFactory(email="paul@example.org"), name="HR", scope=TokenScope.READ)[1]
    with rates(anon="100/minute", user="2/minute", write="100/minute"):
        for _ in range(3):
            client.get(ME, **bearer(token))
        assert client.get(ME, **bearer(token)).status_code == 429
        assert client.get(ME, **bearer(other)).status_code == 200


def test_the_schema_documents_the_429_on_every_operation(client, db):
    schema = json.loads(client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    missing = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in {"get", "post", "patch", "put", "delete"} and "429" not in operation["responses"]
    ]
    assert missing == []
    error = schema["components"]["schemas"]["ErrorBody"]["properties"]
    assert {"code", "message", "fields", "retry_after"} <= set(error)
    assert not {"ApiError", "ApiErrorBody"} & set(schema["components"]["schemas"])
