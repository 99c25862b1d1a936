"""The reads behind an organisation's space: orders, quotes, seats per session, employees, documents."""

import datetime as dt

import pytest
from django.utils import timezone

from courses.factories import SessionFactory
from enrolments.factories import CompanyOrderFactory, OrderFactory, OrganisationFactory, SeatFactory, UserFactory
from enrolments.models import InvoiceKind, OrderStatus, QuoteStatus, SeatStatus
from enrolments.selectors_organisations import organisation_documents, organisation_overview
from tests.enrolments.company.dashboard_data import (
    claimed_seat,
    completed_seat,
    make_agreement,
    make_invoice,
    make_quote,
    order_with_seats,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Acme Lyon")


def test_seat_counts_per_session(organisation, session):
    order_with_seats(organisation, session, free=2, assigned=3, claimed=1)
    cancelled = SeatFactory(order=CompanyOrderFactory(organisation=organisation, session=session, quantity=1))
    cancelled.status = SeatStatus.CANCELLED
    cancelled.save()

    (row,) = organisation_overview(organisation=organisation).sessions
    assert (row.assigned, row.claimed, row.free) == (3, 1, 2)
    assert row.session == session
    assert row.next_slot.date == session.slots.order_by("date").first().date


def test_orders_of_two_sessions_give_two_rows_and_other_organisations_are_left_out(organisation, session, course):
    later = SessionFactory(course=course, start=dt.date.today() + dt.timedelta(days=90))
    order_with_seats(organisation, later, free=1, assigned=0, claimed=0)
    order_with_seats(organisation, session, free=0, assigned=0, claimed=2)
    order_with_seats(OrganisationFactory(), session, free=5, assigned=0, claimed=0)

    rows = organisation_overview(organisation=organisation).sessions
    assert [(r.session, r.free, r.claimed) for r in rows] == [(session, 0, 2), (later, 1, 0)]


def test_cancelled_orders_are_listed_but_have_no_seats(organisation, session):
    order = order_with_seats(organisation, session, free=2, assigned=0, claimed=0, status=OrderStatus.CANCELLED)

    overview = organisation_overview(organisation=organisation)
    assert [row.order for row in overview.orders] == [order]
    assert overview.sessions == []


def test_unpaid_order_warns_of_its_release_date(organisation, session):
    release_on = timezone.localdate() + dt.timedelta(days=20)
    CompanyOrderFactory(organisation=organisation, session=session, status=OrderStatus.INVOICED, release_on=release_on)
    CompanyOrderFactory(
        organisation=organisation,
        session=session,
        status=OrderStatus.PAID,
        release_on=release_on - dt.timedelta(days=5),
    )

    (row,) = organisation_overview(organisation=organisation).sessions
    assert row.release_on == release_on  # the paid order's date does not count


def test_paid_order_has_no_release_warning(organisation, session):
    CompanyOrderFactory(organisation=organisation, session=session, release_on=timezone.localdate())
    (row,) = organisation_overview(organisation=organisation).sessions
    assert row.release_on is None


def test_order_row_has_its_quote_agreement_and_invoices(organisation, session):
    order = CompanyOrderFactory(organisation=organisation, session=session)
    agreement = make_agreement(order)
    invoice = make_invoice(order, hosted_url="https://invoice.stripe.com/i/acct_1/test_1")

    (row,) = organisation_overview(organisation=organisation).orders
    assert row.agreement == agreement
    assert row.quote == agreement.quote
    assert row.invoices == [invoice]
    assert row.course.title == "Apprentissage frugal"


def test_open_quotes_are_issued_and_still_valid(organisation, session):
    today = timezone.localdate()
    valid = make_quote(organisation, session, valid_until=today)
    make_quote(organisation, session, valid_until=today - dt.timedelta(days=1))  # lapsed, not yet marked
    make_quote(organisation, session, status=QuoteStatus.EXPIRED)
    make_quote(organisation, session, status=QuoteStatus.ACCEPTED)
    make_quote(OrganisationFactory(), session)

    overview = organisation_overview(organisation=organisation)
    assert [row.quote for row in overview.open_quotes] == [valid]
    assert not overview.is_empty


def test_employee_completion_counts_the_criteria_met(organisation, session):
    order = CompanyOrderFactory(organisation=organisation, session=session, quantity=2)
    done = completed_seat(order, learner=UserFactory(first_name="Alix", last_name="Durand"))
    claimed_seat(order, learner=UserFactory(first_name="Noé", last_name="Petit"))

    (row,) = organisation_overview(organisation=organisation).sessions
    employees = {e.name: e for e in row.employees}
    assert set(employees) == {"Alix Durand", "Noé Petit"}
    assert employees["Alix Durand"].is_completed
    assert (employees["Alix Durand"].criteria_met, employees["Alix Durand"].criteria_total) == (3, 3)
    assert employees["Alix Durand"].enrolment == done.enrolment
    assert not employees["Noé Petit"].is_completed
    assert employees["Noé Petit"].criteria_total == 0


def test_empty_organisation(organisation):
    overview = organisation_overview(organisation=organisation)
    assert overview.is_empty
    assert overview.sessions == []


def test_documents_are_the_organisations_own_only(organisation, session):
    order = CompanyOrderFactory(organisation=organisation, session=session)
    agreement = make_agreement(order)
    invoice = make_invoice(order)
    credit_note = make_invoice(order, kind=InvoiceKind.CREDIT_NOTE, credited_invoice=invoice)
    # The manager's own individual purchase, and another organisation's order.
    make_invoice(OrderFactory(session=session, status=OrderStatus.ACTIVE))
    make_invoice(CompanyOrderFactory(organisation=OrganisationFactory(), session=session))

    documents = organisation_documents(organisation=organisation)
    assert {i for i, _course in documents.invoices} == {invoice, credit_note}
    assert [a for a, _course in documents.agreements] == [agreement]
    assert [row.quote for row in documents.quotes] == [agreement.quote]


def test_overview_query_count_does_not_grow_with_orders(session, course, django_assert_max_num_queries):
    def organisation_with(count: int):
        organisation = OrganisationFactory()
        for _ in range(count):
            order = order_with_seats(organisation, SessionFactory(course=course), free=1, assigned=1, claimed=1)
            completed_seat(order)
            make_agreement(order)
            make_invoice(order)
            make_quote(organisation, order.session)
        return organisation

    one, twenty = organisation_with(1), organisation_with(20)
    with django_assert_max_num_queries(7) as queries:
        organisation_overview(organisation=one)
    count_for_one = len(queries)
    with django_assert_max_num_queries(count_for_one):
        overview = organisation_overview(organisation=twenty)
    assert len(overview.orders) == 20
    assert sum(row.claimed for row in overview.sessions) == 40

    with django_assert_max_num_queries(5) as queries:
        organisation_documents(organisation=one)
    count_for_one = len(queries)
    with django_assert_max_num_queries(count_for_one):
        documents = organisation_documents(organisation=twenty)
    assert len(documents.invoices) == 20
