"""Company orders built through the services, for the release, cancellation and finance admin tests.

Each builder runs the real lifecycle (quote accepted → places taken, payment
choice, seats claimed) and sends the emails it queues, so a test starts from
what a manager would really have.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from enrolments.factories import UserFactory
from enrolments.models import Enrolment, Order, PaymentWay, Seat, SeatStatus
from enrolments.payments.dummy import DummyBackend
from enrolments.services import company_payments, company_settlement
from enrolments.services.quotes import quote_accept, quote_create
from enrolments.services.seats import seat_assign, seat_claim


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    """``hour`` o'clock in Paris on ``day``."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def accepted_order(*, session, organisation, manager, quantity: int = 3) -> Order:
    """A PENDING company order: its quote accepted, its places taken, its release date set."""
    quote = quote_create(organisation=organisation, session=session, requested_by=manager, quantity=quantity)
    return quote_accept(quote=quote, by=manager)


def invoiced_order(**kwargs) -> Order:
    """An INVOICED company order, payable by bank transfer (its seats are usable)."""
    order = accepted_order(**kwargs)
    company_payments.invoice_company_order(order=order, by=kwargs["manager"], payment_way=PaymentWay.TRANSFER)
    return Order.objects.get(pk=order.pk)


def card_paid_order(**kwargs) -> Order:
    """A company order PAID by card through the (dummy) provider's checkout."""
    order = accepted_order(**kwargs)
    company_payments.start_company_card_checkout(
        order=order, success_url="http://testserver/ok/", cancel_url="http://testserver/ko/"
    )
    order.refresh_from_db()
    checkout = DummyBackend().complete_checkout(order.checkout_id, "succeed")
    company_payments.fulfil_company_checkout(checkout)
    return Order.objects.get(pk=order.pk)


def transfer_paid_order(**kwargs) -> Order:
    """A company order invoiced, then PAID by a bank transfer finance staff recorded."""
    order = invoiced_order(**kwargs)
    for invoice in order.invoices.all():
        company_settlement.record_invoice_paid(invoice=invoice, reference="VIR-2027-0042")
    return Order.objects.get(pk=order.pk)


def claimed_seat(order: Order, *, email: str, manager) -> Enrolment:
    """An employee named on a free seat of ``order`` who claimed it (enrolled)."""
    employee = UserFactory(email=email, first_name="Paul")
    seat = order.seats.filter(status=SeatStatus.FREE).order_by("pk").first()
    seat_assign(seat=seat, email=email, by=manager)
    seat = Seat.objects.get(pk=seat.pk)
    return seat_claim(token=seat.token, user=employee)


def opco_order(**kwargs) -> Order:
    """An INVOICED company order funded in part by its OPCO: one invoice to the OPCO, one to the company."""
    order = accepted_order(**kwargs)
    company_payments.invoice_company_order(
        order=order,
        by=kwargs["manager"],
        payment_way=PaymentWay.OPCO,
        opco="atlas",
        opco_amount=Decimal("1000.00"),
        opco_agreement_number="AT-2027-118",
    )
    return Order.objects.get(pk=order.pk)
