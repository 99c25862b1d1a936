"""``/api/v1/organisations/…``: a manager's organisations, seats (and actions on them), orders and invoices."""
# ruff: noqa: F811 (pytest fixtures imported from tests/enrolments/conftest.py are parameters here)

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from courses.factories import SessionFactory, make_slots
from enrolments.factories import CompanyOrderFactory, MembershipFactory, OrganisationFactory, SeatFactory, UserFactory
from enrolments.models import Attendance, AttendanceStatus, EnrolmentStatus, MembershipStatus, OrderStatus, SeatStatus
from enrolments.services.seats import seat_assign, seat_claim
from tests.enrolments.company.dashboard_data import claimed_seat
from tests.enrolments.conftest import course, legal_texts, session  # noqa: F401 (fixtures)

API = "/api/v1/organisations/"


@pytest.fixture
def manager(db):
    return UserFactory(email="morgane@acme.example")


@pytest.fixture
def organisation(manager):
    return OrganisationFactory(name="Acme Industrie", manager=manager)


@pytest.fixture
def order(organisation, session):
    return CompanyOrderFactory(session=session, organisation=organisation, quantity=2, status=OrderStatus.PAID)


@pytest.fixture
def seat(order):
    return SeatFactory(order=order)


def seat_url(organisation, seat, action: str) -> str:
    return f"{API}{organisation.public_id}/seats/{seat.public_id}/{action}/"


def test_a_manager_lists_the_organisations_they_manage(client, manager, organisation):
    OrganisationFactory(name="Autre SA")
    client.force_login(manager)

    body = client.get(API).json()

    assert [row["name"] for row in body["results"]] == ["Acme Industrie"]


def test_a_membership_that_is_not_active_lists_nothing(client, organisation):
    person = UserFactory()
    MembershipFactory(organisation=organisation, user=person, status=MembershipStatus.REQUESTED)
    client.force_login(person)

    assert client.get(API).json()["count"] == 0


@pytest.mark.parametrize("resource", ["seats", "orders", "invoices"])
def test_anonymous_gets_a_401(client, organisation, resource):
    assert client.get(f"{API}{organisation.public_id}/{resource}/").status_code == 401


@pytest.mark.parametrize("resource", ["seats", "orders", "invoices"])
def test_a_manager_of_another_organisation_gets_a_404(client, organisation, seat, resource):
    other = UserFactory()
    OrganisationFactory(manager=other)
    client.force_login(other)

    response = client.get(f"{API}{organisation.public_id}/{resource}/")

    assert response.status_code == 404
    assert "Acme" not in response.content.decode()


def test_the_seats_list_shows_the_paid_orders_seats(client, manager, organisation, session, seat):
    pending = CompanyOrderFactory(session=session, organisation=organisation, status=OrderStatus.PENDING)
    SeatFactory(order=pending)
    client.force_login(manager)

    body = client.get(f"{API}{organisation.public_id}/seats/").json()

    assert body["count"] == 1
    assert body["results"][0] | {"assigned_at": None} == {
        "id": str(seat.public_id),
        "session_code": "IAF-TST-2027-01",
        "order": seat.order.reference,
        "status": "free",
        "email": "",
        "holder_name": "",
        "assigned_at": None,
        "claimed_at": None,
        "attendance": None,
    }


@pytest.mark.parametrize("resource", ["seats", "orders", "invoices", ""])
def test_lists_read_in_a_constant_number_of_queries(client, manager, organisation, session, order, resource):
    SeatFactory(order=order)
    client.force_login(manager)
    path = f"{API}{organisation.public_id}/{resource}/" if resource else API
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    more = CompanyOrderFactory(session=session, organisation=organisation)
    for _ in range(3):
        SeatFactory(order=more)
    OrganisationFactory(manager=manager)

    with CaptureQueriesContext(connection) as many:
        assert client.get(path).status_code == 200

    assert len(many) == len(few)


def test_assigning_a_seat_names_the_employee(client, manager, organisation, seat, legal_texts, mailoutbox):
    client.force_login(manager)

    response = client.post(seat_url(organisation, seat, "assign"), {"email": "Zoe@Acme.example"}, "application/json")

    assert response.status_code == 200
    assert response.json()["status"] == "assigned" and response.json()["email"] == "zoe@acme.example"
    seat.refresh_from_db()
    assert (seat.status, seat.email, seat.assigned_by) == (SeatStatus.ASSIGNED, "zoe@acme.example", manager)


def test_assigning_a_taken_seat_is_a_409_with_the_reason(client, manager, organisation, seat, legal_texts):
    seat_assign(seat=seat, email="zoe@acme.example", by=manager)
    client.force_login(manager)

    response = client.post(
        seat_url(organisation, seat, "assign"),
        {"email": "yann@acme.example"},
        "application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 409
    assert response.json()["error"] == {"code": "refused", "message": "This seat is no longer free."}
    seat.refresh_from_db()
    assert seat.email == "zoe@acme.example"


def test_assigning_without_a_valid_email_is_a_400(client, manager, organisation, seat):
    client.force_login(manager)

    response = client.post(seat_url(organisation, seat, "assign"), {"email": "nope"}, "application/json")

    assert response.status_code == 400
    assert "email" in response.json()["error"]["fields"]
    seat.refresh_from_db()
    assert seat.status == SeatStatus.FREE


def test_reassigning_a_claimed_seat_unenrols_the_first_person(client, manager, organisation, seat, legal_texts):
    employee = UserFactory(email="zoe@acme.example")
    seat_assign(seat=seat, email=employee.email, by=manager)
    seat.refresh_from_db()
    enrolment = seat_claim(token=seat.token, user=employee)
    client.force_login(manager)

    response = client.post(seat_url(organisation, seat, "reassign"), {"email": "yann@acme.example"}, "application/json")

    assert response.status_code == 200
    seat.refresh_from_db()
    enrolment.refresh_from_db()
    assert (seat.status, seat.email, seat.holder) == (SeatStatus.ASSIGNED, "yann@acme.example", None)
    assert enrolment.status == EnrolmentStatus.CANCELLED


def test_revoking_a_seat_frees_it(client, manager, organisation, seat, legal_texts):
    seat_assign(seat=seat, email="zoe@acme.example", by=manager)
    client.force_login(manager)

    response = client.post(seat_url(organisation, seat, "revoke"))

    assert response.status_code == 200 and response.json()["status"] == "free"
    seat.refresh_from_db()
    assert (seat.status, seat.email) == (SeatStatus.FREE, "")


def test_revoking_a_free_seat_is_a_409(client, manager, organisation, seat):
    client.force_login(manager)

    assert client.post(seat_url(organisation, seat, "revoke")).status_code == 409


def test_a_seat_of_another_organisation_is_a_404_even_in_my_space(client, manager, organisation, session):
    foreign = SeatFactory(order=CompanyOrderFactory(session=session))
    client.force_login(manager)

    response = client.post(seat_url(organisation, foreign, "assign"), {"email": "x@acme.example"}, "application/json")

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == SeatStatus.FREE


def test_orders_and_invoices_are_listed(client, manager, organisation, order):
    client.force_login(manager)

    orders = client.get(f"{API}{organisation.public_id}/orders/").json()
    invoices = client.get(f"{API}{organisation.public_id}/invoices/").json()

    assert [row["reference"] for row in orders["results"]] == [order.reference]
    assert orders["results"][0]["amount_excl_tax"] == "2700.00"
    assert invoices["count"] == 0


@pytest.mark.parametrize("resource", ["", "seats/"])
def test_a_page_beyond_the_last_is_a_404_the_schema_documents(client, manager, organisation, seat, resource):
    client.force_login(manager)

    response = client.get(f"{API}{organisation.public_id}/{resource}" if resource else API, {"page": 2})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    path = f"{API}{{org}}/{resource}" if resource else API
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "404" in schema["paths"][path]["get"]["responses"]


# --- attendance -----------------------------------------------------------------------------------


def past_session(course, days_ago: int = 10):
    """Two past days of 9:00–16:00 (7 hours each)."""
    start = timezone.localdate() - dt.timedelta(days=days_ago)
    return SessionFactory(course=course, start=start, slots=make_slots(start, 2, end_time=dt.time(16, 0)))


def marked_seat(organisation, session, *statuses):
    """A claimed seat of a paid order of ``organisation`` in ``session``, marked slot by slot with ``statuses``."""
    order = CompanyOrderFactory(session=session, organisation=organisation, quantity=1, status=OrderStatus.PAID)
    seat = claimed_seat(order, status=EnrolmentStatus.COMPLETED)
    for slot, status in zip(session.slots.order_by("date"), statuses, strict=False):
        Attendance.objects.create(enrolment=seat.enrolment, slot=slot, status=status)
    return seat


def seats_of(client, organisation) -> dict[str, dict]:
    return {row["id"]: row for row in client.get(f"{API}{organisation.public_id}/seats/").json()["results"]}


def test_a_claimed_seat_states_the_hours_attended(client, manager, organisation, course, seat):
    session = past_session(course)
    marked = marked_seat(organisation, session, AttendanceStatus.PRESENT, AttendanceStatus.ABSENT)
    unmarked = marked_seat(organisation, session)
    client.force_login(manager)

    rows = seats_of(client, organisation)

    assert rows[str(marked.public_id)]["attendance"] == {
        "recorded": True,
        "attended_hours": "7.0",
        "total_hours": "14.0",
    }
    assert rows[str(unmarked.public_id)]["attendance"] == {
        "recorded": False,
        "attended_hours": "0.0",
        "total_hours": "14.0",
    }
    assert rows[str(seat.public_id)]["attendance"] is None  # a free seat has no enrolment


def test_another_organisations_register_stays_out_of_my_seats(client, manager, organisation, course):
    session = past_session(course)
    mine = marked_seat(organisation, session)
    theirs = marked_seat(OrganisationFactory(), session, AttendanceStatus.PRESENT, AttendanceStatus.PRESENT)
    client.force_login(manager)

    rows = seats_of(client, organisation)

    assert set(rows) == {str(mine.public_id)}
    assert rows[str(mine.public_id)]["attendance"]["recorded"] is False
    assert str(theirs.public_id) not in client.get(f"{API}{organisation.public_id}/seats/").content.decode()


def test_the_seats_attendance_reads_in_a_constant_number_of_queries(client, manager, organisation, course):
    marked_seat(organisation, past_session(course), AttendanceStatus.PRESENT)
    client.force_login(manager)
    with CaptureQueriesContext(connection) as one:
        client.get(f"{API}{organisation.public_id}/seats/")
    for days_ago in (20, 30, 40):
        marked_seat(organisation, past_session(course, days_ago), AttendanceStatus.PRESENT)

    with CaptureQueriesContext(connection) as four:
        rows = seats_of(client, organisation)

    assert [row["attendance"]["attended_hours"] for row in rows.values()] == ["7.0"] * 4
    assert len(four) == len(one)


def test_a_seat_action_answers_with_no_attendance_for_a_seat_not_claimed(client, manager, organisation, seat):
    client.force_login(manager)

    response = client.post(seat_url(organisation, seat, "assign"), {"email": "zoe@acme.example"}, "application/json")

    assert response.status_code == 200
    assert response.json()["attendance"] is None
