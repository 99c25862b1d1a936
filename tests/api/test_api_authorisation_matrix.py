"""The authorisation matrix extended to the signed-in API: every endpoint, for every kind of person.

Same world and the same "0 leaks" rule as the pages' matrix
(tests/enrolments/company/test_authorisation_matrix.py): a denied request
changes nothing in the database and its body names nothing of organisation A;
an allowed action really acts. The API differs only in how it refuses: 401
for an anonymous call (no login redirect), 404 for what is not the caller's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from wagtail.models import Site

from api import urls_account
from api.models import ApiToken
from tests.enrolments.company.matrix_data import ACTORS, World, build_world
from tests.enrolments.company.test_authorisation_matrix import hidden_from, snapshot, typed


class Outcome(Enum):
    OK = "200, and a write changes the database"
    SHOWN = "200, nothing changes, nothing of organisation A"
    UNAUTHENTICATED = "401, nothing changes, nothing shown"
    NOT_FOUND = "404, nothing changes, nothing of organisation A"
    REFUSED = "409, nothing changes, nothing of organisation A"


OK, SHOWN, UNAUTHENTICATED, NOT_FOUND, REFUSED = Outcome


@dataclass(frozen=True)
class Row:
    name: str  # URL name in the "api" namespace
    method: str
    url: Callable[[World], str]
    expect: dict[str, Outcome]
    data: dict | None = None

    @property
    def id(self) -> str:
        return f"{self.name}-{self.method}"


def signed_in(outcome: Outcome, **overrides: Outcome) -> dict[str, Outcome]:
    return {actor: overrides.get(actor, outcome) for actor in ACTORS} | {"anonymous": UNAUTHENTICATED}


MANAGERS_OF_A = signed_in(NOT_FOUND, manager_a=OK)


def org(suffix: str) -> Callable[[World], str]:
    return lambda w: f"/api/v1/organisations/{w.a.public_id}/{suffix}"


def seat(attribute: str, action: str) -> Callable[[World], str]:
    return lambda w: f"/api/v1/organisations/{w.a.public_id}/seats/{getattr(w.a, attribute)}/{action}/"


ROWS = [
    Row("me", "GET", lambda w: "/api/v1/me/", signed_in(SHOWN)),
    Row("me", "PATCH", lambda w: "/api/v1/me/", signed_in(OK), {"city": "Villeurbanne"}),
    Row("me_enrolments", "GET", lambda w: "/api/v1/me/enrolments/", signed_in(SHOWN)),
    # A's employee's enrolment: theirs, but a company seat (the manager changes it); nobody else's.
    Row(
        "me_enrolment_cancel",
        "POST",
        lambda w: f"/api/v1/me/enrolments/{w.a.enrolment}/cancel/",
        signed_in(NOT_FOUND, employee_a=REFUSED),
    ),
    Row("organisations", "GET", lambda w: "/api/v1/organisations/", signed_in(SHOWN, manager_a=OK)),
    Row("organisation_seats", "GET", org("seats/"), MANAGERS_OF_A),
    Row("organisation_orders", "GET", org("orders/"), MANAGERS_OF_A),
    Row("organisation_invoices", "GET", org("invoices/"), MANAGERS_OF_A),
    Row("organisation_seat_assign", "POST", seat("free_seat", "assign"), MANAGERS_OF_A, {"email": "new@x.example"}),
    Row(
        "organisation_seat_reassign",
        "POST",
        seat("assigned_seat", "reassign"),
        MANAGERS_OF_A,
        {"email": "other@x.example"},
    ),
    Row("organisation_seat_revoke", "POST", seat("claimed_seat", "revoke"), MANAGERS_OF_A),
]

CELLS = [pytest.param(row, actor, id=f"{row.id}-{actor}") for row in ROWS for actor in ACTORS]


@pytest.fixture(scope="module")
def world_once(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PAYMENT_BACKEND="dummy"), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
    Site.clear_site_root_paths_cache()
    cache.clear()


@pytest.fixture
def world(world_once, db, settings) -> World:
    settings.PAYMENT_BACKEND = "dummy"
    return world_once


def full_snapshot() -> dict[str, list]:
    """The company rows, plus what the API's profile and token paths could change."""
    users = get_user_model().objects.order_by("pk").values_list("pk", "email", "city", "first_name", "last_name")
    tokens = ApiToken.objects.order_by("pk").values_list("pk", "revoked_at")
    return snapshot() | {"users": list(users), "tokens": list(tokens)}


def send(client, row: Row, path: str):
    if row.method == "GET":
        return client.get(path)
    return client.generic(row.method, path, json_body(row.data), content_type="application/json")


def json_body(data: dict | None) -> str:
    return json.dumps(data or {})


STATUS = {OK: 200, SHOWN: 200, UNAUTHENTICATED: 401, NOT_FOUND: 404, REFUSED: 409}


@pytest.mark.parametrize(("row", "actor"), CELLS)
def test_cell(client, world, row: Row, actor: str):
    if actor != "anonymous":
        client.force_login(get_user_model().objects.get(pk=world.users[actor]))
    path = row.url(world)
    before = full_snapshot()

    response = send(client, row, path)

    outcome = row.expect[actor]
    assert response.status_code == STATUS[outcome], response.content[:300]
    assert ("error" in response.json()) == (outcome not in (OK, SHOWN)), "not the error shape"
    changed = full_snapshot() != before
    if outcome is OK:
        assert changed == (row.method != "GET"), "a read changed the database, or a write changed nothing"
        return
    assert not changed, "a refused request changed the database"
    text = response.content.decode()
    hidden = hidden_from(world.a, typed=typed(path, row.data), actor=actor)
    leaked = {key: value for key, value in hidden.items() if value and value in text}
    assert not leaked, f"organisation A's data in a response it should not be in: {leaked}"


@pytest.mark.parametrize("resource", ["seats/", "orders/", "invoices/"])
def test_manager_b_reads_b_own_lists_and_nothing_of_a(client, world, resource):
    """So A's 404s come from the rule, not a broken URL: B's own lists answer, without A's rows."""
    client.force_login(get_user_model().objects.get(pk=world.users["manager_b"]))

    response = client.get(f"/api/v1/organisations/{world.b.public_id}/{resource}")

    assert response.status_code == 200 and response.json()["count"] > 0
    leaked = {k: v for k, v in hidden_from(world.a).items() if v and v in response.content.decode()}
    assert not leaked


def test_manager_b_naming_a_seat_of_a_in_b_space_gets_a_404(client, world):
    client.force_login(get_user_model().objects.get(pk=world.users["manager_b"]))
    path = f"/api/v1/organisations/{world.b.public_id}/seats/{world.a.assigned_seat}/revoke/"
    before = full_snapshot()

    response = client.post(path)

    assert response.status_code == 404
    assert full_snapshot() == before


def test_the_matrix_has_a_row_for_every_account_endpoint():
    names = {pattern.name for pattern in urls_account.urlpatterns}

    assert names == {row.name for row in ROWS}
    assert all(set(row.expect) == set(ACTORS) for row in ROWS)
