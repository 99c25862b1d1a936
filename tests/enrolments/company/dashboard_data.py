"""Rows the organisation dashboard tests build: quotes, agreements, invoices, seats in each state."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from enrolments.factories import CompanyOrderFactory, EnrolmentFactory, SeatFactory, UserFactory
from enrolments.models import (
    Agreement,
    EnrolmentStatus,
    Invoice,
    InvoiceKind,
    InvoicePayer,
    Order,
    Organisation,
    Quote,
    QuoteStatus,
    SeatStatus,
)

_numbers = itertools.count(1)

CRITERIA = [
    {"title": "Activity completion", "status": "Yes", "complete": True, "details": {"type": "Activity completion"}},
    {"title": "Final quiz", "status": "Yes", "complete": True, "details": {"type": "Grade"}},
    {"title": "Attendance", "status": "Yes", "complete": True, "details": {"type": "Attendance"}},
]


def make_quote(organisation: Organisation, session, *, quantity: int = 3, **fields) -> Quote:
    values = {
        "organisation": organisation,
        "session": session,
        "requested_by": UserFactory(),
        "quantity": quantity,
        "price_tier_kind": "employer",
        "unit_amount_excl_tax": Decimal("1350.00"),
        "unit_amount_incl_tax": Decimal("1350.00"),
        "vat_rate": Decimal("0"),
        "vat_exempt": True,
        "status": QuoteStatus.ISSUED,
        "issued_at": timezone.now(),
        "valid_until": timezone.localdate() + dt.timedelta(days=30),
    }
    values.update(fields)
    return Quote.objects.create(**values)


def make_agreement(order: Order) -> Agreement:
    """An accepted quote and its agreement for ``order``."""
    quote = make_quote(
        order.organisation,
        order.session,
        quantity=order.quantity,
        status=QuoteStatus.ACCEPTED,
        accepted_at=timezone.now(),
    )
    return Agreement.objects.create(quote=quote, order=order, organisation=order.organisation, issued_at=timezone.now())


def make_invoice(order: Order, *, kind=InvoiceKind.INVOICE, hosted_url: str = "", **fields) -> Invoice:
    sequence = next(_numbers) + 5000
    values = {
        "kind": kind,
        "number": f"2026-{sequence:05d}",
        "year": 2026,
        "sequence": sequence,
        "order": order,
        "issued_at": timezone.now(),
        "seller": {"name": "ALLyS"},
        "buyer": {"name": order.organisation.name if order.organisation else "Camille Martin", "address": "Lyon"},
        "lines": [],
        "total_excl_tax": order.amount_excl_tax,
        "total_vat": Decimal("0"),
        "total_incl_tax": order.amount_incl_tax,
        "vat_exempt": True,
        "payer": InvoicePayer.BUYER,
        "hosted_url": hosted_url,
    }
    values.update(fields)
    return Invoice.objects.create(**values)


def claimed_seat(order: Order, *, learner=None, status=EnrolmentStatus.CONFIRMED, **enrolment_fields):
    """A seat of ``order`` claimed by ``learner`` (a new employee by default), enrolled with ``status``."""
    learner = learner or UserFactory()
    enrolment = EnrolmentFactory(session=order.session, learner=learner, order=order, status=status, **enrolment_fields)
    return SeatFactory(
        order=order,
        status=SeatStatus.CLAIMED,
        email=learner.email,
        holder=learner,
        claimed_at=timezone.now(),
        enrolment=enrolment,
    )


def completed_seat(order: Order, *, learner=None):
    return claimed_seat(
        order,
        learner=learner,
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now(),
        completion_details=CRITERIA,
    )


def order_with_seats(organisation: Organisation, session, *, free=1, assigned=1, claimed=1, **fields) -> Order:
    """A paid order of ``free + assigned + claimed`` seats, each in its state."""
    order = CompanyOrderFactory(
        organisation=organisation, session=session, quantity=free + assigned + claimed, **fields
    )
    for _ in range(free):
        SeatFactory(order=order)
    for index in range(assigned):
        SeatFactory(order=order, status=SeatStatus.ASSIGNED, email=f"assigned{index}@{order.reference.lower()}.example")
    for _ in range(claimed):
        claimed_seat(order)
    return order
