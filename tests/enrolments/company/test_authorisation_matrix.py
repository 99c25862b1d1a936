"""The authorisation matrix of the company features: every URL and action, for every kind of person.

One row per URL and method (some URLs have a row per variant: a wrong token,
a claimed seat), one expected outcome per actor, one test per cell. "0 leaks"
means: a denied request changes nothing in the database (a snapshot of every
company row before and after), and its page names nothing of organisation A
(its name, SIRET, references, tokens, codes, employees) beyond what the row
declares public by design. Allowed actions must really act (the snapshot
changes), so a view that silently ignores its manager cannot pass either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.urls import get_resolver, reverse
from django.utils import timezone
from wagtail.models import Site

from enrolments.admin_company import COMPANY_ORDERS, COMPANY_QUOTES, ORGANISATIONS
from enrolments.factories import MembershipFactory, UserFactory
from enrolments.models import (
    Enrolment,
    Invoice,
    Membership,
    MembershipStatus,
    Order,
    Organisation,
    Quote,
    Refund,
    Seat,
)
from tests.enrolments.company.matrix_data import ACTORS, Company, World, build_world

ADMIN_NAMESPACES = (ORGANISATIONS, COMPANY_ORDERS, COMPANY_QUOTES)
LOGIN_PATHS = ("/accounts/login/", "/en/accounts/login/")


class Outcome(Enum):
    OK = "allowed: 200 for a page; a POST acts (302 or 200) and changes the database"
    REDIRECT = "allowed elsewhere: 302 (not to the login page), nothing changes"
    LOGIN = "302 to the login page, nothing changes"
    NOT_FOUND = "404, nothing changes, nothing of organisation A shown"
    ADMIN_DENIED = "302 to the admin login or home, or 403; nothing changes, nothing shown"
    SHOWN = "200 (or 400), nothing changes, nothing of organisation A beyond the row's public items"


OK, REDIRECT, LOGIN, NOT_FOUND, ADMIN_DENIED, SHOWN = Outcome


@dataclass(frozen=True)
class Row:
    """One URL with one method (and one variant of its arguments), and the outcome for each actor."""

    name: str  # URL name, "namespace:name"
    method: str
    url: Callable[[World], str]
    expect: dict[str, Outcome]
    data: Callable[[World], dict] = lambda w: {}
    variant: str = ""
    # Secrets of organisation A the page shows by design to whoever holds its link.
    public: frozenset[str] = field(default_factory=frozenset)

    @property
    def id(self) -> str:
        short = self.name.removeprefix("organisations:")
        return "-".join(filter(None, (short, self.method, self.variant)))


def everyone(outcome: Outcome, **overrides: Outcome) -> dict[str, Outcome]:
    return {actor: overrides.get(actor, outcome) for actor in ACTORS}


def signed_in(outcome: Outcome, **overrides: Outcome) -> dict[str, Outcome]:
    """Any signed-in person gets ``outcome``; an anonymous visitor the login page."""
    return everyone(outcome, anonymous=LOGIN, **overrides)


# Organisation A's space: its managers only. Anyone else signed in gets a 404, as if it did not exist.
MANAGERS_OF_A = signed_in(NOT_FOUND, manager_a=OK)
# The finance admin: finance staff only.
FINANCE = everyone(ADMIN_DENIED, finance=OK)


def space(name: str, *args: Callable[[Company], object]) -> Callable[[World], str]:
    """The URL of ``name`` in organisation A's space, with A's objects as arguments."""
    return lambda w: reverse(f"organisations:{name}", args=[w.a.public_id, *(arg(w.a) for arg in args)])


def url(name: str, *args: Callable[[World], object], query: str = "") -> Callable[[World], str]:
    return lambda w: reverse(name, args=[arg(w) for arg in args]) + query


def organisation_form(w: World, **changes) -> dict:
    org = Organisation.objects.get(pk=w.a.pk)
    values = {
        "name": org.name,
        "siret": org.siret,
        "vat_number": org.vat_number,
        "billing_street_address": org.billing_street_address,
        "billing_postal_code": org.billing_postal_code,
        "billing_city": org.billing_city,
        "billing_country": org.billing_country,
        "billing_contact_name": org.billing_contact_name,
        "billing_contact_email": org.billing_contact_email,
        "opco": org.opco,
    }
    return values | changes


NEW_ORGANISATION = {
    "name": "Gammaflux Industrie",
    "siret": "73282932000074",
    "billing_street_address": "1 quai Perrache",
    "billing_postal_code": "69002",
    "billing_city": "Lyon",
    "billing_country": "FR",
    "billing_contact_name": "Compta",
    "billing_contact_email": "compta@gammaflux.example",
}

ROWS: list[Row] = [
    # --- any signed-in professional: their own organisations, registering, joining ---
    Row("organisations:index", "GET", url("organisations:index"), signed_in(SHOWN, manager_a=OK)),
    Row("organisations:create", "GET", url("organisations:create"), signed_in(SHOWN)),
    # Anyone may register a new organisation (and become its manager).
    Row("organisations:create", "POST", url("organisations:create"), signed_in(OK), lambda w: NEW_ORGANISATION),
    Row("organisations:join", "GET", url("organisations:join"), signed_in(SHOWN)),
    # Anyone may ask to join A by its (public) SIRET: it grants nothing until a manager approves.
    Row(
        "organisations:join",
        "POST",
        url("organisations:join"),
        signed_in(OK, manager_a=SHOWN),
        lambda w: {"siret": w.a.siret},
    ),
    # The invitation link is the credential; only the invited address may accept it (none of the actors).
    Row(
        "organisations:accept_invitation",
        "GET",
        url("organisations:accept_invitation", lambda w: w.a.invitation_token),
        signed_in(SHOWN),
        public=frozenset({"name", "invitee_email"}),
    ),
    Row(
        "organisations:accept_invitation",
        "POST",
        url("organisations:accept_invitation", lambda w: w.a.invitation_token),
        signed_in(SHOWN),
        public=frozenset({"name", "invitee_email"}),
    ),
    Row(
        "organisations:accept_invitation",
        "GET",
        url("organisations:accept_invitation", lambda w: "inv-guessed-token"),
        signed_in(NOT_FOUND),
        variant="wrong_token",
    ),
    # Buying: only for the organisations one manages; posting A's id from elsewhere is refused.
    Row("organisations:buy", "GET", url("organisations:buy", lambda w: w.session_code), signed_in(SHOWN, manager_a=OK)),
    Row(
        "organisations:buy",
        "POST",
        url("organisations:buy", lambda w: w.session_code),
        signed_in(SHOWN, manager_a=OK),
        lambda w: {"organisation": str(w.a.public_id), "quantity": "1"},
    ),
    # The claim link of an assigned seat: it shows the seat (and to whom it is assigned) to whoever holds it.
    Row(
        "organisations:claim",
        "GET",
        url("organisations:claim", lambda w: w.a.assigned_token),
        everyone(SHOWN),
        public=frozenset({"name", "assigned_email"}),
    ),
    Row(
        "organisations:claim",
        "POST",
        url("organisations:claim", lambda w: w.a.assigned_token),
        signed_in(SHOWN),
        public=frozenset({"name", "assigned_email"}),
    ),
    Row(
        "organisations:claim",
        "GET",
        url("organisations:claim", lambda w: w.a.claimed_token),
        everyone(NOT_FOUND, employee_a=REDIRECT),
        variant="claimed",
    ),
    Row(
        "organisations:claim",
        "GET",
        url("organisations:claim", lambda w: "guessed-claim-token"),
        everyone(NOT_FOUND),
        variant="wrong_token",
    ),
    # A single-use code is a bearer credential by design: whoever types it gets the place.
    Row("organisations:redeem", "GET", url("organisations:redeem"), signed_in(SHOWN)),
    Row(
        "organisations:redeem",
        "POST",
        url("organisations:redeem"),
        signed_in(SHOWN),
        lambda w: {"code": "ZZZZ-ZZZZ", "session": w.session_code},
        variant="wrong_code",
    ),
    Row(
        "organisations:redeem",
        "POST",
        url("organisations:redeem"),
        signed_in(OK, employee_a=SHOWN),  # the employee already has a place in this session
        lambda w: {"code": w.a.free_code, "session": w.session_code},
        variant="code",
    ),
    # --- organisation A's space: its managers only ---
    Row("organisations:overview", "GET", space("overview"), MANAGERS_OF_A),
    Row("organisations:documents", "GET", space("documents"), MANAGERS_OF_A),
    Row("organisations:invoice_pdf", "GET", space("invoice_pdf", lambda c: c.invoice), MANAGERS_OF_A),
    Row(
        "organisations:certificate_pdf", "GET", space("certificate_pdf", lambda c: c.completed_enrolment), MANAGERS_OF_A
    ),
    Row(
        "organisations:realisation_pdf", "GET", space("realisation_pdf", lambda c: c.completed_enrolment), MANAGERS_OF_A
    ),
    Row("organisations:feed_regenerate", "POST", space("feed_regenerate"), MANAGERS_OF_A),
    Row("organisations:edit", "GET", space("edit"), MANAGERS_OF_A),
    Row(
        "organisations:edit",
        "POST",
        space("edit"),
        MANAGERS_OF_A,
        lambda w: organisation_form(w, name="Alphaquartz Renamed", billing_contact_email="thief@evil.example"),
    ),
    Row("organisations:members", "GET", space("members"), MANAGERS_OF_A),
    Row("organisations:members", "POST", space("members"), MANAGERS_OF_A, lambda w: {"email": "thief@evil.example"}),
    Row(
        "organisations:member_decide",
        "POST",
        space("member_decide", lambda c: c.requested_membership),
        MANAGERS_OF_A,
        lambda w: {"action": "approve"},
    ),
    Row("organisations:quote", "GET", space("quote", lambda c: c.issued_quote), MANAGERS_OF_A),
    Row("organisations:quote_accept", "POST", space("quote_accept", lambda c: c.issued_quote), MANAGERS_OF_A),
    Row("organisations:quote_pdf", "GET", space("quote_pdf", lambda c: c.issued_quote), MANAGERS_OF_A),
    Row("organisations:agreement_pdf", "GET", space("agreement_pdf", lambda c: c.agreement), MANAGERS_OF_A),
    Row("organisations:order", "GET", space("order", lambda c: c.paid_order), MANAGERS_OF_A),
    Row(
        "organisations:order",
        "POST",
        space("order", lambda c: c.pending_order),
        MANAGERS_OF_A,
        lambda w: {"payment_way": "card"},
    ),
    Row("organisations:order_return", "GET", space("order_return", lambda c: c.paid_order), MANAGERS_OF_A),
    Row("organisations:seats", "GET", space("seats", lambda c: c.paid_order), MANAGERS_OF_A),
    Row(
        "organisations:seats",
        "POST",
        space("seats", lambda c: c.paid_order),
        MANAGERS_OF_A,
        lambda w: {"action": "assign", "email": "thief@evil.example"},
    ),
    Row("organisations:seat_codes", "POST", space("seat_codes", lambda c: c.paid_order), MANAGERS_OF_A),
    Row(
        "organisations:seat_reassign",
        "POST",
        space("seat_reassign", lambda c: c.assigned_seat),
        MANAGERS_OF_A,
        lambda w: {"email": "thief@evil.example"},
    ),
    Row("organisations:seat_revoke", "POST", space("seat_revoke", lambda c: c.assigned_seat), MANAGERS_OF_A),
    # --- the organisation's calendar feed: its secret token is the credential ---
    Row(
        "learner_feeds:organisation",
        "GET",
        url("learner_feeds:organisation", lambda w: w.a.calendar_token),
        everyone(SHOWN),
        public=frozenset({"name"}),
    ),
    Row(
        "learner_feeds:organisation",
        "GET",
        url("learner_feeds:organisation", lambda w: "guessed-calendar-token"),
        everyone(NOT_FOUND),
        variant="wrong_token",
    ),
    # --- the dummy provider's pages (demo and tests only) ---
    # The hosted invoice is reachable by its provider id only (random, like Stripe's hosted link), not by our ids.
    Row(
        "payments:dummy_invoice",
        "GET",
        url("payments:dummy_invoice", lambda w: w.a.unpaid_hosted_id),
        everyone(SHOWN),
        public=frozenset({"name", "unpaid_invoice_number", "invoiced_order"}),
    ),
    Row(
        "payments:dummy_invoice",
        "GET",
        url("payments:dummy_invoice", lambda w: w.a.unpaid_invoice),
        everyone(NOT_FOUND),
        variant="invoice_pk",
    ),
    Row(
        "payments:dummy_checkout",
        "GET",
        url("payments:dummy_checkout", lambda w: w.a.paid_checkout),
        MANAGERS_OF_A,
    ),
    # --- the finance admin (Wagtail), for finance staff ---
    Row(f"{ORGANISATIONS}:index", "GET", url(f"{ORGANISATIONS}:index"), FINANCE),
    Row(f"{ORGANISATIONS}:index_results", "GET", url(f"{ORGANISATIONS}:index_results"), FINANCE),
    Row(f"{ORGANISATIONS}:inspect", "GET", url(f"{ORGANISATIONS}:inspect", lambda w: w.a.pk), FINANCE),
    Row(f"{ORGANISATIONS}:verify", "GET", url(f"{ORGANISATIONS}:verify", lambda w: w.a.pk), FINANCE),
    Row(f"{ORGANISATIONS}:verify", "POST", url(f"{ORGANISATIONS}:verify", lambda w: w.a.pk), FINANCE),
    Row(f"{COMPANY_ORDERS}:index", "GET", url(f"{COMPANY_ORDERS}:index"), FINANCE),
    Row(f"{COMPANY_ORDERS}:index", "GET", url(f"{COMPANY_ORDERS}:index", query="?export=csv"), FINANCE, variant="csv"),
    Row(f"{COMPANY_ORDERS}:index_results", "GET", url(f"{COMPANY_ORDERS}:index_results"), FINANCE),
    Row(f"{COMPANY_ORDERS}:inspect", "GET", url(f"{COMPANY_ORDERS}:inspect", lambda w: w.a.paid_order_pk), FINANCE),
    Row(
        f"{COMPANY_ORDERS}:inspect",
        "POST",
        url(f"{COMPANY_ORDERS}:inspect", lambda w: w.a.invoiced_order_pk),
        FINANCE,
        lambda w: {
            "action": "transfer",
            "transfer-invoice": w.a.unpaid_invoice,
            "transfer-received_on": timezone.localdate().isoformat(),
            "transfer-reference": "VIR-MATRIX-1",
        },
        variant="transfer",
    ),
    Row(
        f"{COMPANY_ORDERS}:inspect",
        "POST",
        url(f"{COMPANY_ORDERS}:inspect", lambda w: w.a.paid_order_pk),
        FINANCE,
        lambda w: {"action": "refund", "refund-amount": "100.00", "refund-reason": "Matrix"},
        variant="refund",
    ),
    Row(f"{COMPANY_QUOTES}:index", "GET", url(f"{COMPANY_QUOTES}:index"), FINANCE),
    Row(f"{COMPANY_QUOTES}:index_results", "GET", url(f"{COMPANY_QUOTES}:index_results"), FINANCE),
    Row(f"{COMPANY_QUOTES}:inspect", "GET", url(f"{COMPANY_QUOTES}:inspect", lambda w: w.a.issued_quote_pk), FINANCE),
]

CELLS = [pytest.param(row, actor, id=f"{row.id}-{actor}") for row in ROWS for actor in ACTORS]


# --- the world, built once for the module ---------------------------------------------------------------


@pytest.fixture(scope="module")
def world_once(django_db_setup, django_db_blocker):
    """Both organisations, built once inside a transaction rolled back when the module ends.

    Each test runs in its own nested transaction (the ``db`` fixture), so what
    an allowed action changes is undone before the next cell.
    """
    with django_db_blocker.unblock(), override_settings(PAYMENT_BACKEND="dummy"), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
    # What the rolled-back rows left in the cache (site root paths, code attempts per user id).
    Site.clear_site_root_paths_cache()
    cache.clear()


@pytest.fixture
def world(world_once, db, settings) -> World:
    settings.PAYMENT_BACKEND = "dummy"
    return world_once


def sign_in(client, world: World, actor: str) -> None:
    if actor != "anonymous":
        client.force_login(get_user_model().objects.get(pk=world.users[actor]))


def snapshot() -> dict[str, list]:
    """Every row a company action could change, with the fields those actions write."""
    return {
        "organisations": list(
            Organisation.objects.order_by("pk").values_list(
                "pk", "name", "billing_contact_email", "verified_at", "calendar_token"
            )
        ),
        "memberships": list(
            Membership.objects.order_by("pk").values_list("pk", "organisation_id", "user_id", "email", "status")
        ),
        "quotes": list(Quote.objects.order_by("pk").values_list("pk", "status", "accepted_by_id")),
        "orders": list(Order.objects.order_by("pk").values_list("pk", "status", "checkout_id", "payment_way")),
        "invoices": list(Invoice.objects.order_by("pk").values_list("pk", "number", "paid_at")),
        "seats": list(Seat.objects.order_by("pk").values_list("pk", "status", "email", "token", "code", "holder_id")),
        "enrolments": list(Enrolment.objects.order_by("pk").values_list("pk", "learner_id", "session_id", "status")),
        "refunds": list(Refund.objects.order_by("pk").values_list("pk", "amount")),
    }


def send(client, method: str, path: str, data: dict | None):
    return client.post(path, data or {}) if method == "POST" else client.get(path)


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace")


def location(response) -> str:
    return urlsplit(response.get("Location", "")).path


def assert_outcome(outcome: Outcome, method: str, response, *, before: dict, hidden: dict[str, str]) -> None:
    status = response.status_code
    changed = snapshot() != before
    if outcome is OK:
        if method == "GET":
            assert status == 200, f"expected the page, got {status} {location(response)}"
            assert not changed, "a GET changed the database"
        else:
            assert status in (200, 302) and location(response) not in LOGIN_PATHS, f"got {status}"
            assert changed, "the allowed action changed nothing"
        return
    assert not changed, "a refused request changed the database"
    if outcome is LOGIN:
        assert status == 302 and location(response) in LOGIN_PATHS, f"got {status} {location(response)}"
    elif outcome is NOT_FOUND:
        assert status == 404, f"got {status} {location(response)}"
    elif outcome is ADMIN_DENIED:
        redirected = status == 302 and location(response).startswith("/admin/")
        assert status == 403 or redirected, f"got {status} {location(response)}"
    elif outcome is REDIRECT:
        assert status == 302 and location(response) not in LOGIN_PATHS, f"got {status} {location(response)}"
    else:
        assert status in (200, 400), f"got {status} {location(response)}"
    text = body(response)
    leaked = {key: value for key, value in hidden.items() if value and value in text}
    assert not leaked, f"organisation A's data on a page it should not be on: {leaked}"


# What is the actor's own: the employee sees their own address, name and invitation link.
OWN = {"employee_a": frozenset({"employee_email", "employee_name", "claimed_token"})}


def hidden_from(company: Company, public=frozenset(), typed: str = "", actor: str = "") -> dict[str, str]:
    """A's secrets the response must not show: all but the row's public ones, the actor's own, what was typed.

    Pages echo the address asked for (the language switcher links to it), which
    tells the visitor nothing they did not already have.
    """
    shown = public | OWN.get(actor, frozenset())
    return {key: value for key, value in company.secrets().items() if key not in shown and value not in typed}


def typed(path: str, data: dict | None) -> str:
    return " ".join([path, *(str(value) for value in (data or {}).values())])


# --- the matrix -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("row", "actor"), CELLS)
def test_cell(client, world, row: Row, actor: str):
    sign_in(client, world, actor)
    before = snapshot()

    path, data = row.url(world), row.data(world)

    response = send(client, row.method, path, data)

    hidden = hidden_from(world.a, row.public, typed(path, data), actor)
    assert_outcome(row.expect[actor], row.method, response, before=before, hidden=hidden)


# --- manager B, in B's own space, naming A's objects -----------------------------------------------------

# (URL name, method, the attribute of A naming the object, POST data)
CROSS = [
    ("quote", "GET", "issued_quote", None),
    ("quote_accept", "POST", "issued_quote", {}),
    ("quote_pdf", "GET", "issued_quote", None),
    ("quote_pdf", "GET", "accepted_quote", None),
    ("agreement_pdf", "GET", "agreement", None),
    ("order", "GET", "paid_order", None),
    ("order", "POST", "pending_order", {"payment_way": "card"}),
    ("order_return", "GET", "paid_order", None),
    ("seats", "GET", "paid_order", None),
    ("seats", "POST", "paid_order", {"action": "assign", "email": "thief@evil.example"}),
    ("seat_codes", "POST", "paid_order", {}),
    ("seat_reassign", "POST", "assigned_seat", {"email": "thief@evil.example"}),
    ("seat_revoke", "POST", "assigned_seat", {}),
    ("seat_revoke", "POST", "claimed_seat", {}),
    ("invoice_pdf", "GET", "invoice", None),
    ("invoice_pdf", "GET", "unpaid_invoice", None),
    ("certificate_pdf", "GET", "completed_enrolment", None),
    ("certificate_pdf", "GET", "enrolment", None),
    ("realisation_pdf", "GET", "completed_enrolment", None),
    ("realisation_pdf", "GET", "enrolment", None),
    ("member_decide", "POST", "requested_membership", {"action": "approve"}),
]


@pytest.mark.parametrize(
    ("name", "method", "attribute", "data"), [pytest.param(*case, id="-".join(case[:3])) for case in CROSS]
)
def test_manager_b_naming_an_object_of_a_in_b_space_gets_a_404(client, world, name, method, attribute, data):
    sign_in(client, world, "manager_b")
    path = reverse(f"organisations:{name}", args=[world.b.public_id, getattr(world.a, attribute)])
    before = snapshot()

    response = send(client, method, path, data)

    assert_outcome(NOT_FOUND, method, response, before=before, hidden=hidden_from(world.a, typed=typed(path, data)))


@pytest.mark.parametrize(("name", "method", "attribute", "data"), [case for case in CROSS if case[1] == "GET"])
def test_the_same_urls_with_b_own_objects_work_for_manager_b(client, world, name, method, attribute, data):
    """So the 404s above come from looking the objects up within the organisation, not from a broken URL."""
    sign_in(client, world, "manager_b")

    response = client.get(reverse(f"organisations:{name}", args=[world.b.public_id, getattr(world.b, attribute)]))

    # A certificate exists only for a completed course: B's employee still in training has none.
    assert response.status_code == (404 if attribute == "enrolment" else 200)


# --- people who are not (or no longer) managers of A -----------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [MembershipStatus.REQUESTED, MembershipStatus.INVITED, MembershipStatus.DECLINED, MembershipStatus.REVOKED],
)
@pytest.mark.parametrize(
    ("name", "method", "attribute"),
    [("overview", "GET", None), ("seats", "GET", "paid_order"), ("quote_accept", "POST", "issued_quote")],
    ids=["overview-GET", "seats-GET", "quote_accept-POST"],
)
def test_a_membership_that_is_not_active_opens_nothing(client, world, status, name, method, attribute):
    person = UserFactory(email=f"{status}@person.example")
    MembershipFactory(organisation=Organisation.objects.get(pk=world.a.pk), user=person, status=status)
    client.force_login(person)
    args = [world.a.public_id] + ([getattr(world.a, attribute)] if attribute else [])
    path = reverse(f"organisations:{name}", args=args)
    before = snapshot()

    response = send(client, method, path, {})

    assert_outcome(NOT_FOUND, method, response, before=before, hidden=hidden_from(world.a, typed=path))


def test_a_superuser_who_is_not_a_manager_gets_a_404_in_the_space_too(client, world):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    path = reverse("organisations:quote_accept", args=[world.a.public_id, world.a.issued_quote])
    before = snapshot()

    response = client.post(path)

    assert_outcome(NOT_FOUND, "POST", response, before=before, hidden=hidden_from(world.a, typed=path))


# --- the matrix itself ---------------------------------------------------------------------------------


def test_the_matrix_has_a_row_for_every_company_url_and_a_cell_for_every_actor():
    namespaces = get_resolver().namespace_dict
    names = {
        f"{namespace}:{pattern.name}"
        for namespace in ("organisations", *ADMIN_NAMESPACES)
        for pattern in namespaces[namespace][1].url_patterns
    }
    covered = {row.name for row in ROWS}

    assert names - covered == set(), "a company URL has no row in the authorisation matrix"
    assert {"learner_feeds:organisation", "payments:dummy_invoice", "payments:dummy_checkout"} <= covered
    assert all(set(row.expect) == set(ACTORS) for row in ROWS)
    assert len({(row.id) for row in ROWS}) == len(ROWS), "two rows share an id"
    assert len(CELLS) == len(ROWS) * len(ACTORS)
