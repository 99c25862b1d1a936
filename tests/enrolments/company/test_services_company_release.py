"""Unpaid company orders: warnings before the release date, then seats released and places given back."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format

from courses.models import Session
from enrolments.factories import OrganisationFactory, UserFactory
from enrolments.models import (
    EnrolmentStatus,
    Instalment,
    InstalmentStatus,
    Order,
    OrderStatus,
    SeatStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from enrolments.payments.dummy import DummyBackend
from enrolments.services.company_release import release_unpaid_orders, warn_unpaid_orders, warning_due
from tests.enrolments.company.release_data import accepted_order, at, claimed_seat, invoiced_order, transfer_paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _company_settings(settings):
    settings.PAYMENT_BACKEND = "dummy"
    settings.ENROLMENT_STAFF_EMAILS = ["formation@allys.example"]
    settings.COMPANY_UNPAID_RELEASE_DAYS = 10
    settings.COMPANY_UNPAID_WARNING_DAYS = [7, 2]


@pytest.fixture
def manager(db):
    return UserFactory(email="rh@acme.example", first_name="Hélène")


@pytest.fixture
def organisation(manager):
    return OrganisationFactory(name="Acme Lyon", manager=manager, billing_contact_email="compta@acme.example")


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a service and send the emails it queued once it commits; the outbox starts empty."""

    def run(service, **kwargs):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


@pytest.fixture
def order(session, organisation, manager, legal_texts, django_capture_on_commit_callbacks):
    """3 places invoiced for payment by transfer, one of them claimed by Paul."""
    with django_capture_on_commit_callbacks():
        order = invoiced_order(session=session, organisation=organisation, manager=manager)
        claimed_seat(order, email="paul@acme.example", manager=manager)
    return Order.objects.get(pk=order.pk)


def places_taken(session) -> int:
    return Session.objects.get(pk=session.pk).places_taken


def subjects() -> list[str]:
    return [message.subject for message in mail.outbox]


@pytest.mark.parametrize(
    ("days_before", "notices", "expected"),
    [
        (8, {}, None),
        (7, {}, 7),
        (5, {"unpaid_warning_7": "x"}, None),
        (2, {"unpaid_warning_7": "x"}, 2),
        (1, {}, 2),
        (1, {"unpaid_warning_7": "x", "unpaid_warning_2": "x"}, None),
        (0, {}, None),
    ],
)
def test_warning_due_is_the_most_urgent_warning_reached_and_never_twice(settings, days_before, notices, expected):
    settings.COMPANY_UNPAID_WARNING_DAYS = [7, 2]
    release_on = dt.date(2027, 3, 10)

    assert warning_due(release_on=release_on, today=release_on - dt.timedelta(days=days_before), notices=notices) == (
        expected
    )


def test_the_release_date_is_set_when_the_quote_is_accepted(order, session):
    assert order.release_on == timezone.localdate(session.starts_at) - dt.timedelta(days=10)


def test_managers_are_warned_7_and_2_days_before_the_release_once_each(run, order):
    release_on = order.release_on
    sent = {}
    for days_before in (8, 7, 7, 5, 2, 2, 1):
        run(warn_unpaid_orders, now=at(release_on - dt.timedelta(days=days_before)))
        sent[days_before] = sent.get(days_before, 0) + len(mail.outbox)

    assert sent == {8: 0, 7: 1, 5: 0, 2: 1, 1: 0}
    order.refresh_from_db()
    assert set(order.notices) >= {"unpaid_warning_7", "unpaid_warning_2"}


def test_the_warning_goes_to_the_managers_and_the_billing_contact_with_the_release_date(run, order):
    count = run(warn_unpaid_orders, now=at(order.release_on - dt.timedelta(days=7)))

    assert count == 1
    [message] = mail.outbox
    assert set(message.to) == {"rh@acme.example", "compta@acme.example"}
    assert order.reference in message.subject
    assert "4\u00a0050,00\u00a0€" in message.body
    assert f"/entreprises/{order.organisation.public_id}/commandes/{order.reference}/" in message.body
    with translation.override("fr"):
        assert date_format(order.release_on, "j F Y") in message.body


def test_a_late_first_run_sends_only_the_most_urgent_warning(run, order):
    assert run(warn_unpaid_orders, now=at(order.release_on - dt.timedelta(days=1))) == 1
    assert len(mail.outbox) == 1

    assert run(warn_unpaid_orders, now=at(order.release_on - dt.timedelta(days=1))) == 0
    assert mail.outbox == []


def test_a_paid_order_is_neither_warned_nor_released(
    run, session, organisation, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        paid = transfer_paid_order(session=session, organisation=organisation, manager=manager)
    assert paid.status == OrderStatus.PAID
    taken = places_taken(session)

    warned = run(warn_unpaid_orders, now=at(paid.release_on - dt.timedelta(days=2)))
    released = run(release_unpaid_orders, now=at(paid.release_on + dt.timedelta(days=1)))

    assert (warned, released) == (0, 0)
    assert mail.outbox == []
    paid.refresh_from_db()
    assert paid.status == OrderStatus.PAID
    assert places_taken(session) == taken
    assert paid.seats.exclude(status=SeatStatus.CANCELLED).count() == 3


def test_nothing_is_released_the_day_before_the_release_date(run, order, session):
    taken = places_taken(session)

    assert run(release_unpaid_orders, now=at(order.release_on - dt.timedelta(days=1), hour=23)) == 0

    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    assert places_taken(session) == taken


def test_release_frees_exactly_the_order_places_and_ends_seats_and_enrolments(run, order, session):
    # Other people hold 2 more places of the session.
    Session.objects.filter(pk=session.pk).update(places_taken=places_taken(session) + 2)
    assert places_taken(session) == 5
    enrolment = order.seats.get(status=SeatStatus.CLAIMED).enrolment

    released = run(release_unpaid_orders, now=at(order.release_on))

    assert released == 1
    assert places_taken(session) == 2
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert "released" in order.notices
    assert set(order.seats.values_list("status", flat=True)) == {SeatStatus.CANCELLED}
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED
    assert enrolment.ended_at is not None


def test_release_emails_the_managers_and_the_enrolled_employee(run, order):
    run(release_unpaid_orders, now=at(order.release_on))

    by_recipient = {tuple(sorted(message.to)): message for message in mail.outbox}
    managers = by_recipient[("compta@acme.example", "rh@acme.example")]
    employee = by_recipient[("paul@acme.example",)]
    assert order.reference in managers.subject
    assert "Paul" in managers.body
    assert "Acme Lyon" in employee.body
    [calendar] = [part for part in employee.message().walk() if part.get_content_type() == "text/calendar"]
    assert calendar.get_param("method") == "CANCEL"
    assert len(mail.outbox) == 2


def test_release_voids_the_open_invoice_at_the_provider(run, order):
    invoice = order.invoices.get()
    assert DummyBackend().retrieve_invoice(invoice.provider_invoice_id).status == "open"

    run(release_unpaid_orders, now=at(order.release_on))

    assert DummyBackend().retrieve_invoice(invoice.provider_invoice_id).status == "void"


def test_released_places_are_offered_to_the_waitlist(run, order, session):
    Session.objects.filter(pk=session.pk).update(capacity=places_taken(session))
    waiting = WaitlistEntry.objects.create(session=session, person=UserFactory(email="next@example.org"))

    run(release_unpaid_orders, now=at(order.release_on))

    waiting.refresh_from_db()
    assert waiting.status == WaitlistStatus.OFFERED
    assert places_taken(session) == 1
    assert "next@example.org" in [address for message in mail.outbox for address in message.to]


def test_a_pending_order_without_a_payment_choice_is_released_too(
    run, session, organisation, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        pending = accepted_order(session=session, organisation=organisation, manager=manager, quantity=2)
    assert places_taken(session) == 2

    assert run(release_unpaid_orders, now=at(pending.release_on)) == 1

    pending.refresh_from_db()
    assert pending.status == OrderStatus.CANCELLED
    assert places_taken(session) == 0


def test_a_second_run_releases_nothing_more(run, order, session):
    run(release_unpaid_orders, now=at(order.release_on))
    taken = places_taken(session)

    again = run(release_unpaid_orders, now=at(order.release_on + dt.timedelta(days=1)))

    assert again == 0
    assert places_taken(session) == taken
    assert mail.outbox == []


def test_money_already_received_on_a_released_order_is_flagged_to_finance(run, order):
    # The OPCO's share (say) came in by transfer, the rest did not.
    Instalment.objects.create(
        order=order,
        number=2,
        due_on=order.release_on,
        amount=Decimal("1000.00"),
        status=InstalmentStatus.PAID,
        provider_payment_id="VIR-OPCO-7",
        paid_at=timezone.now(),
    )

    run(release_unpaid_orders, now=at(order.release_on))

    [staff] = [message for message in mail.outbox if message.to == ["formation@allys.example"]]
    assert order.reference in staff.subject
    assert "1\u00a0000,00\u00a0€" in staff.body and "VIR-OPCO-7" in staff.body
    assert f"/admin/company-orders/inspect/{order.pk}/" in staff.body


def test_a_transfer_that_crossed_the_release_is_recorded_and_flagged_to_finance(run, order):
    # The bank transfer reached the provider's invoice the morning of the release.
    invoice = order.invoices.get()
    DummyBackend().pay_invoice(invoice.provider_invoice_id)

    run(release_unpaid_orders, now=at(order.release_on))

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    invoice.refresh_from_db()
    assert invoice.paid_at is not None
    [staff] = [message for message in mail.outbox if message.to == ["formation@allys.example"]]
    assert "4\u00a0050,00\u00a0€" in staff.body


def test_a_refund_of_the_opco_share_credits_the_opco_invoice_by_transfer(session, organisation, manager, legal_texts):
    from enrolments.models import InvoiceKind, InvoicePayer
    from enrolments.services import company_settlement
    from enrolments.services.company_release import refund_company_order
    from tests.enrolments.company.release_data import opco_order

    order = opco_order(session=session, organisation=organisation, manager=manager)
    invoices = {invoice.payer: invoice for invoice in order.invoices.filter(kind=InvoiceKind.INVOICE)}
    two_days_ago, yesterday = timezone.now() - dt.timedelta(days=2), timezone.now() - dt.timedelta(days=1)
    company_settlement.record_invoice_paid(invoice=invoices[InvoicePayer.BUYER], paid_at=two_days_ago)
    company_settlement.record_invoice_paid(invoice=invoices[InvoicePayer.FUNDER], paid_at=yesterday)

    refund_company_order(order=order, amount=Decimal("100.00"), reason="Absence")

    [note] = order.invoices.filter(kind=InvoiceKind.CREDIT_NOTE)
    assert note.credited_invoice == invoices[InvoicePayer.FUNDER]
    assert note.payer == InvoicePayer.FUNDER
    assert note.total_incl_tax == Decimal("-100.00")
    with translation.override(note.language):
        assert note.payment_terms == translation.gettext("Refunded by bank transfer.")
