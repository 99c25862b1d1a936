"""Schemathesis over the signed-in API (``me`` and ``organisations``), through the WSGI app (no network).

The caller is a person with a profile and enrolments (some cancellable, some
not) who manages an organisation with a paid order (free, assigned and claimed
seats) and an invoice; another organisation, with its own seats, is not theirs.
Every generated request, with a read-write token, a read-only token or no
credentials, must get no server error and an answer that conforms to the
schema. Random ids mostly meet 404s, so the generated path parameters also take
the real ids, and each operation's happy path is called explicitly and must
answer 200 in the documented shape. The data changes during a run (seats
assigned, revoked, enrolments cancelled): that is expected.
Schemathesis' pytest plugin does not run under pytest 9 yet, so each
operation's Hypothesis strategy is driven directly.
"""
# ruff: noqa: F811 (pytest fixtures imported from other test modules are parameters here)

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.authentication import token_create
from api.models import TokenScope
from courses.factories import SessionFactory
from enrolments.factories import EnrolmentFactory, OrganisationFactory, UserFactory
from enrolments.models import EnrolmentStatus, Order, SeatStatus
from tests.enrolments.company.dashboard_data import make_invoice, order_with_seats
from tests.enrolments.conftest import course, learner, legal_texts, session  # noqa: F401 (fixtures)

MAX_EXAMPLES = 20
#: Fewer for the refused callers: every answer is the same 401 or 403 whatever the input.
REFUSED_MAX_EXAMPLES = 8
#: Every operation of the signed-in API: a new one fails this count until it is covered here.
SIGNED_IN_OPERATIONS = {
    "me_retrieve",
    "me_update",
    "me_enrolments_list",
    "me_enrolments_cancel",
    "organisations_list",
    "organisation_seats_list",
    "organisation_orders_list",
    "organisation_invoices_list",
    "organisation_seat_assign",
    "organisation_seat_reassign",
    "organisation_seat_revoke",
}

#: Operations whose input rules go beyond what JSON Schema can say, so a schema-valid body may
#: rightly get the documented 400: the profile form checks phone numbers, required names and
#: address, and a French postal code depending on the country.
STRICTER_THAN_THE_SCHEMA = {"me_update"}


@dataclass
class World:
    write: dict[str, str]
    read: dict[str, str]
    cancellable: list
    not_cancellable: object
    someone_else_enrolment: object
    organisation: object
    other_organisation: object
    order: Order
    other_order: Order

    def seats(self, status: str, order: Order | None = None):
        return list((order or self.order).seats.filter(status=status).order_by("pk"))


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def world(learner, course, session, legal_texts) -> World:
    soon = SessionFactory(course=course, start=dt.date.today() + dt.timedelta(days=30))
    later = SessionFactory(course=course, start=dt.date.today() + dt.timedelta(days=90))
    past = SessionFactory(course=course, start=dt.date.today() - dt.timedelta(days=30))
    within_withdrawal = EnrolmentFactory(session=session, learner=learner)
    after_withdrawal = EnrolmentFactory(
        session=soon, learner=learner, withdrawal_ends_at=timezone.now() - dt.timedelta(days=1)
    )
    held = EnrolmentFactory(session=later, learner=learner, status=EnrolmentStatus.HELD, confirmed_at=None)
    EnrolmentFactory(session=past, learner=learner, status=EnrolmentStatus.COMPLETED)

    organisation = OrganisationFactory(name="Acme Industrie", manager=learner)
    order = order_with_seats(organisation, session, free=3, assigned=2, claimed=2)
    make_invoice(order)
    other_organisation = OrganisationFactory(name="Autre SA", manager=UserFactory())
    other_order = order_with_seats(other_organisation, session, free=1, assigned=1, claimed=1)

    return World(
        write=bearer(token_create(user=learner, name="Script", scope=TokenScope.WRITE)[1]),
        read=bearer(token_create(user=learner, name="HR system", scope=TokenScope.READ)[1]),
        cancellable=[within_withdrawal, after_withdrawal],
        not_cancellable=held,
        someone_else_enrolment=EnrolmentFactory(session=later, learner=UserFactory()),
        organisation=organisation,
        other_organisation=other_organisation,
        order=order,
        other_order=other_order,
    )


@pytest.fixture
def operations(keep_test_connection) -> dict:
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    found = [result.ok() for result in schema.include(tag=["me", "organisations"]).get_all_operations()]
    return {operation.definition.raw["operationId"]: operation for operation in found}


def real_path_parameters(world: World) -> dict[str, list[dict]]:
    """The ids of real rows, mine and not mine, for each path parameter set of the schema."""
    enrolments = [*world.cancellable, world.not_cancellable, world.someone_else_enrolment]
    seats = [
        {"org": str(order.organisation.public_id), "seat": str(seat.public_id)}
        for order in (world.order, world.other_order)
        for seat in order.seats.all()
    ]
    # A seat looked up through the other organisation must be a 404 too.
    seats.append({"org": str(world.organisation.public_id), "seat": seats[-1]["seat"]})
    organisations = [{"org": str(world.organisation.public_id)}, {"org": str(world.other_organisation.public_id)}]
    return {
        "public_id": [{"public_id": str(enrolment.public_id)} for enrolment in enrolments],
        "org": organisations,
        "org,seat": seats,
    }


def strategy_for(operation, world: World):
    """The operation's generated cases, half of them on the ids of real rows."""
    names = ",".join(sorted(parameter.name for parameter in operation.path_parameters))
    generated = operation.as_strategy()
    if not names:
        return generated
    real = st.sampled_from(real_path_parameters(world)[names])
    return st.one_of(generated, real.flatmap(lambda values: operation.as_strategy(path_parameters=values)))


def fuzz(operation, world: World, headers: dict | None, max_examples: int) -> None:
    stricter = operation.definition.raw["operationId"] in STRICTER_THAN_THE_SCHEMA
    excluded = [positive_data_acceptance] if stricter else []

    @given(case=strategy_for(operation, world))
    @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def conforms(case):
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    conforms()


@pytest.mark.django_db
def test_every_signed_in_operation_is_covered(operations):
    assert set(operations) == SIGNED_IN_OPERATIONS


@pytest.mark.django_db
def test_generated_calls_with_a_read_write_token_conform(world, operations):
    for operation in operations.values():
        fuzz(operation, world, world.write, MAX_EXAMPLES)


@pytest.mark.django_db
@pytest.mark.parametrize("caller", ["read-only token", "anonymous"])
def test_generated_calls_of_refused_callers_conform(world, operations, caller):
    headers = world.read if caller == "read-only token" else None
    for operation in operations.values():
        fuzz(operation, world, headers, REFUSED_MAX_EXAMPLES)


def call(operations, operation_id: str, headers: dict | None, **case) -> int:
    response = operations[operation_id].Case(**case).call_and_validate(headers=headers)
    return response.status_code


@pytest.mark.django_db
def test_the_happy_paths_answer_200_in_the_documented_shape(world, operations):
    me, org = world.write, {"org": str(world.organisation.public_id)}
    for operation_id in ("me_retrieve", "me_enrolments_list", "organisations_list"):
        assert call(operations, operation_id, me) == 200
    assert call(operations, "me_update", me, body={"city": "Saint-Étienne", "postal_code": "42000"}) == 200
    for enrolment in world.cancellable:
        assert (
            call(operations, "me_enrolments_cancel", me, path_parameters={"public_id": str(enrolment.public_id)}) == 200
        )
    for operation_id in ("organisation_seats_list", "organisation_orders_list", "organisation_invoices_list"):
        assert call(operations, operation_id, me, path_parameters=org) == 200

    free, assigned = world.seats(SeatStatus.FREE)[0], world.seats(SeatStatus.ASSIGNED)[0]
    claimed, other_claimed = world.seats(SeatStatus.CLAIMED)
    seat_actions = [
        ("organisation_seat_assign", free, {"email": "zoe@acme.example"}),
        ("organisation_seat_reassign", assigned, {"email": "yann@acme.example"}),
        ("organisation_seat_reassign", claimed, {"email": "lea@acme.example"}),
        ("organisation_seat_revoke", other_claimed, None),
    ]
    for operation_id, seat, body in seat_actions:
        extra = {"body": body} if body else {}
        assert call(operations, operation_id, me, path_parameters=org | {"seat": str(seat.public_id)}, **extra) == 200


@pytest.mark.django_db
def test_the_refusals_answer_in_the_documented_shape(world, operations):
    me, org = world.write, {"org": str(world.organisation.public_id)}
    other = {"org": str(world.other_organisation.public_id)}
    not_mine = {"public_id": str(world.someone_else_enrolment.public_id)}
    not_cancellable = {"public_id": str(world.not_cancellable.public_id)}
    free_seat = org | {"seat": str(world.seats(SeatStatus.FREE)[0].public_id)}
    other_seat = other | {"seat": str(world.seats(SeatStatus.FREE, world.other_order)[0].public_id)}

    assert call(operations, "me_enrolments_cancel", me, path_parameters=not_cancellable) == 409
    assert call(operations, "me_enrolments_cancel", me, path_parameters=not_mine) == 404
    assert call(operations, "organisation_seats_list", me, path_parameters=other) == 404
    assert (
        call(operations, "organisation_seat_assign", me, path_parameters=other_seat, body={"email": "a@b.example"})
        == 404
    )
    assert call(operations, "organisation_seat_assign", me, path_parameters=free_seat, body={"email": "nope"}) == 400
    assert call(operations, "organisation_seat_revoke", me, path_parameters=free_seat) == 409
    assert call(operations, "me_update", world.read, body={"city": "Lyon"}) == 403
    assert call(operations, "me_retrieve", None) == 401
