"""The organiser cancels a session that companies bought seats in: refunds, flags, places, emails."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction

from courses.models import Session, SessionStatus
from enrolments.factories import EnrolmentFactory, OrganisationFactory, UserFactory
from enrolments.models import (
    EnrolmentStatus,
    Invoice,
    InvoiceKind,
    Order,
    OrderStatus,
    Quote,
    QuoteStatus,
    SeatStatus,
)
from enrolments.models.orders import RefundStatus
from enrolments.payments.dummy import DummyBackend
from enrolments.services.capacity import lock_session, take_places
from enrolments.services.company_release import cancel_company_orders_for_session
from enrolments.services.quotes import quote_create
from tests.enrolments.company.release_data import card_paid_order, claimed_seat, invoiced_order, transfer_paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _company_settings(settings):
    settings.PAYMENT_BACKEND = "dummy"
    settings.ENROLMENT_STAFF_EMAILS = ["formation@allys.example"]


@pytest.fixture
def manager(db):
    return UserFactory(email="rh@acme.example", first_name="Hélène")


@pytest.fixture
def organisation(manager):
    return OrganisationFactory(name="Acme Lyon", manager=manager, billing_contact_email="compta@acme.example")


@pytest.fixture
def build(session, organisation, manager, legal_texts, django_capture_on_commit_callbacks):
    """Build a company order of ``session`` with ``builder`` (the emails it queues are dropped)."""

    def build(builder, **kwargs):
        with django_capture_on_commit_callbacks():
            order = builder(session=session, organisation=organisation, manager=manager, **kwargs)
        mail.outbox.clear()
        return Order.objects.get(pk=order.pk)

    return build


@pytest.fixture
def cancel(session, django_capture_on_commit_callbacks):
    """Staff cancel the session in the admin (a save), and everything queued on commit runs."""

    def cancel():
        with django_capture_on_commit_callbacks(execute=True):
            session.status = SessionStatus.CANCELLED
            session.save()

    return cancel


def places_taken(session) -> int:
    return Session.objects.get(pk=session.pk).places_taken


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def test_a_card_paid_order_is_refunded_in_full_with_a_credit_note(build, cancel):
    order = build(card_paid_order)
    payment_id = order.instalments.get().provider_payment_id

    cancel()

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    [refund] = order.refunds.all()
    assert (refund.amount, refund.status) == (Decimal("4050.00"), RefundStatus.SUCCEEDED)
    assert DummyBackend().retrieve_payment(payment_id).amount_refunded == Decimal("4050.00")
    note = Invoice.objects.get(order=order, kind=InvoiceKind.CREDIT_NOTE)
    assert note.total_incl_tax == Decimal("-4050.00")
    assert note.refund == refund


def test_the_managers_are_told_the_card_refund(build, cancel):
    order = build(card_paid_order)

    cancel()

    [message] = sent_to("rh@acme.example")
    assert "compta@acme.example" in message.to
    assert order.reference in message.subject
    assert "4\u00a0050,00\u00a0€" in message.body
    assert sent_to("formation@allys.example") == []


def test_a_transfer_already_received_is_flagged_to_finance_not_refunded_by_card(build, cancel):
    order = build(transfer_paid_order)
    assert order.status == OrderStatus.PAID

    cancel()

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.refunds.count() == 0
    [staff] = sent_to("formation@allys.example")
    assert order.reference in staff.subject and "Acme Lyon" in staff.subject
    assert "4\u00a0050,00\u00a0€" in staff.body and "VIR-2027-0042" in staff.body
    assert order.organisation.siret in staff.body
    [managers] = sent_to("rh@acme.example")
    assert "4\u00a0050,00\u00a0€" in managers.body


def test_places_are_given_back_once_even_with_claimed_seats_and_individual_learners(build, cancel, session, manager):
    order = build(invoiced_order)
    enrolment = claimed_seat(order, email="paul@acme.example", manager=manager)
    with_learner = EnrolmentFactory(session=session)
    with transaction.atomic():
        take_places(lock_session(session.pk))  # the learner's place
    assert places_taken(session) == 4
    mail.outbox.clear()

    cancel()

    assert places_taken(session) == 0
    enrolment.refresh_from_db()
    with_learner.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED_BY_ORGANISER
    assert with_learner.status == EnrolmentStatus.CANCELLED_BY_ORGANISER
    assert set(order.seats.values_list("status", flat=True)) == {SeatStatus.CANCELLED}
    # The employee hears it once, from the learners' cancellation.
    assert len(sent_to("paul@acme.example")) == 1


def test_an_unpaid_invoice_is_voided_and_nothing_is_refunded(build, cancel):
    order = build(invoiced_order)
    invoice = order.invoices.get()

    cancel()

    assert DummyBackend().retrieve_invoice(invoice.provider_invoice_id).status == "void"
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.refunds.count() == 0
    assert sent_to("formation@allys.example") == []
    [managers] = sent_to("rh@acme.example")
    assert order.reference in managers.body


def test_quotes_not_yet_accepted_are_cancelled(session, organisation, manager, cancel):
    quote = quote_create(organisation=organisation, session=session, requested_by=manager, quantity=2)

    cancel()

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.CANCELLED
    assert Quote.objects.filter(status=QuoteStatus.ISSUED).count() == 0


def test_running_the_cancellation_again_changes_nothing(build, cancel, session, django_capture_on_commit_callbacks):
    order = build(card_paid_order)
    cancel()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        again = cancel_company_orders_for_session(session=Session.objects.get(pk=session.pk))

    assert again == 0
    assert places_taken(session) == 0
    assert order.refunds.count() == 1
    assert mail.outbox == []


def test_company_orders_are_cancelled_even_when_the_learners_step_fails(build, cancel, session, monkeypatch):
    order = build(invoiced_order)

    def provider_down(**kwargs):
        raise RuntimeError("provider down")

    monkeypatch.setattr("enrolments.services.enrolment.session_cancel", provider_down)
    cancel()

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert places_taken(session) == 0


def test_the_employee_is_told_of_the_cancellation_without_a_refund_of_their_own(build, cancel, session, manager):
    order = build(card_paid_order)
    claimed_seat(order=order, email="lea@acme.example", manager=manager)
    mail.outbox.clear()

    cancel()

    [message] = sent_to("lea@acme.example")
    text = message.body
    assert session.code in text
    assert "4,050.00" not in text and "4 050,00" not in text
    assert "refund" not in text.lower() and "rembours" not in text.lower()
