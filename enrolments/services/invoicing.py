"""Invoices and credit notes: gap-free numbers and content frozen when issued.

French rules (CGI art. 242 nonies A) ask for one unbroken series of numbers.
A number is taken from ``InvoiceSequence`` under a row lock, in the same
transaction that saves the invoice: when anything fails, the increment rolls
back with it, so there is never a gap nor a duplicate, and nobody reserves a
number in advance. Invoices and credit notes share the series.

Credit notes store **negative** amounts (lines and totals). Summing the totals
of an order's invoices and credit notes then gives what was billed net, and
the document shows the credit with a minus sign under the title "Credit note".
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from enrolments.documents.formatting import date_range, long_date, money
from enrolments.models import Funding, InstalmentStatus, Invoice, InvoiceKind, InvoiceSequence, Order, Refund
from enrolments.models.orders import RefundStatus

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class InvoicingError(ValueError):
    """An invoice or credit note that must not be issued (for finance staff, not learners)."""


def format_invoice_number(year: int, sequence: int) -> str:
    """2027, 123 → "2027-000123"."""
    return f"{year}-{sequence:06d}"


def next_invoice_number(*, year: int) -> tuple[int, str]:
    """Take the next number of ``year``: ``(123, "2027-000123")``.

    Must run inside ``transaction.atomic()``: the sequence row stays locked
    until the transaction ends, and a rollback gives the number back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_invoice_number() must be called inside transaction.atomic().")
    locked = InvoiceSequence.objects.select_for_update()
    try:
        sequence = locked.get(year=year)
    except InvoiceSequence.DoesNotExist:
        # The first number of a year: several processes may get here at once.
        # ON CONFLICT DO NOTHING makes the losers wait for the winner's row
        # (then skip) instead of failing on the unique year.
        InvoiceSequence.objects.bulk_create([InvoiceSequence(year=year)], ignore_conflicts=True)
        sequence = locked.get(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number, format_invoice_number(year, sequence.last_number)


def _lock_order(order_id: int) -> None:
    # Serialises issuing for one order, so two concurrent calls cannot both
    # see "no invoice yet". Only the order row: the session row is the
    # capacity lock and must not be held here.
    Order.objects.select_for_update().filter(pk=order_id).values_list("pk", flat=True).get()


def _language(language: str) -> str:
    try:
        return translation.get_supported_language_variant(language)
    except LookupError as error:
        raise InvoicingError(f"Unsupported invoice language: {language!r}") from error


def _seller() -> dict:
    return {key: str(value) for key, value in settings.SELLER.items()}


def _buyer(order: Order) -> dict:
    person = order.buyer
    return {
        "name": person.get_full_name() or person.email,
        "civility": person.civility,
        "address": person.postal_address,
        "email": person.email,
    }


def _line_description(order: Order) -> str:
    """ "Apprentissage frugal — IAF-DL-2027-03, from 12 March 2027 to 13 March 2027"."""
    session = order.session
    course = session.course.localized
    dates = date_range(timezone.localtime(session.starts_at).date(), timezone.localtime(session.ends_at).date())
    return f"{course.title} — {session.code}, {dates}"


def _payment_terms(order: Order) -> str:
    if order.funding == Funding.FREE or not order.amount_incl_tax:
        return gettext("Free place: nothing to pay.")
    instalments = [i for i in order.instalments.order_by("number") if i.status != InstalmentStatus.CANCELLED]
    if not instalments:
        return gettext("Paid by card.")
    lines = [
        ngettext(
            "Paid by card in %(count)d instalment:",
            "Paid by card in %(count)d instalments:",
            len(instalments),
        )
        % {"count": len(instalments)}
    ]
    lines += [
        gettext("%(amount)s on %(date)s") % {"amount": money(i.amount, order.currency), "date": long_date(i.due_on)}
        for i in instalments
    ]
    return "\n".join(lines)


def _invoice_amounts(order: Order, vat_exempt: bool) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(rate, excl. tax, VAT, incl. tax) of the order as invoiced."""
    if vat_exempt:
        # Exempt: what the learner pays is the price, with no VAT in it.
        total = order.amount_incl_tax
        return ZERO, total, ZERO, total
    excl, incl = order.amount_excl_tax, order.amount_incl_tax
    return order.vat_rate, excl, incl - excl, incl


def _line(*, description: str, quantity: int, rate: Decimal, excl: Decimal, vat: Decimal, incl: Decimal) -> dict:
    # Strings, not floats: JSON must not round money.
    return {
        "description": description,
        "quantity": quantity,
        "unit_price_excl_tax": str((excl / quantity).quantize(CENT, ROUND_HALF_UP)),
        "vat_rate": str(Decimal(rate).quantize(CENT)),
        "total_excl_tax": str(excl.quantize(CENT)),
        "total_vat": str(vat.quantize(CENT)),
        "total_incl_tax": str(incl.quantize(CENT)),
    }


@transaction.atomic
def issue_invoice(*, order: Order, issued_at: dt.datetime | None = None, language: str = "fr") -> Invoice:
    """Issue the order's invoice, or return it if it was already issued.

    Seller, buyer, lines, totals and payment terms are copied into the
    invoice, written in ``language``. The VAT exemption applies when the
    seller holds it (``SELLER_VAT_EXEMPT``) or the order was priced exempt.
    """
    _lock_order(order.pk)
    existing = Invoice.objects.filter(order_id=order.pk, kind=InvoiceKind.INVOICE).first()
    if existing:
        return existing
    language = _language(language)
    issued_at = issued_at or timezone.now()
    order = Order.objects.select_related("buyer", "session__course").get(pk=order.pk)
    if order.quantity < 1:
        raise InvoicingError(f"Order {order.reference} has no quantity to invoice.")
    vat_exempt = bool(settings.SELLER_VAT_EXEMPT or order.vat_exempt)
    rate, excl, vat, incl = _invoice_amounts(order, vat_exempt)
    with translation.override(language):
        line = _line(
            description=_line_description(order),
            quantity=order.quantity,
            rate=rate,
            excl=excl,
            vat=vat,
            incl=incl,
        )
        payment_terms = _payment_terms(order)
    year = timezone.localtime(issued_at).year
    sequence, number = next_invoice_number(year=year)
    return Invoice.objects.create(
        kind=InvoiceKind.INVOICE,
        number=number,
        year=year,
        sequence=sequence,
        order=order,
        issued_at=issued_at,
        language=language,
        seller=_seller(),
        buyer=_buyer(order),
        lines=[line],
        total_excl_tax=excl,
        total_vat=vat,
        total_incl_tax=incl,
        currency=order.currency,
        vat_exempt=vat_exempt,
        payment_terms=payment_terms,
    )


def _credit_amounts(invoice: Invoice, amount: Decimal) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(rate, excl. tax, VAT, incl. tax) of a refund of ``amount`` (tax included), as positive numbers."""
    if invoice.vat_exempt:
        return ZERO, amount, ZERO, amount
    rate = Decimal(invoice.lines[0]["vat_rate"])
    excl = (amount / (1 + rate / 100)).quantize(CENT, ROUND_HALF_UP)
    return rate, excl, amount - excl, amount


@transaction.atomic
def issue_credit_note(*, refund: Refund, issued_at: dt.datetime | None = None) -> Invoice:
    """Issue the credit note documenting ``refund``, or return it if it exists.

    It credits the order's invoice (issued first, in French, if it was
    missing: money was taken, so the sale must be invoiced), takes the next
    number of the shared series and stores negative amounts. Refuses a failed
    refund, and a refund that would credit more than the invoice's total.
    """
    _lock_order(refund.order_id)
    existing = Invoice.objects.filter(refund_id=refund.pk).first()
    if existing:
        return existing
    refund = Refund.objects.select_related("order").get(pk=refund.pk)
    if refund.status == RefundStatus.FAILED:
        raise InvoicingError(f"Refund {refund.pk} failed: there is nothing to credit.")
    credited = Invoice.objects.filter(order_id=refund.order_id, kind=InvoiceKind.INVOICE).first()
    if credited is None:
        credited = issue_invoice(order=refund.order, issued_at=issued_at)
    already_credited = -(credited.credit_notes.aggregate(total=Sum("total_incl_tax"))["total"] or ZERO)
    if already_credited + refund.amount > credited.total_incl_tax:
        raise InvoicingError(
            f"Refund {refund.pk} of {refund.amount} would credit more than invoice {credited.number} "
            f"({credited.total_incl_tax}, {already_credited} already credited)."
        )
    issued_at = issued_at or timezone.now()
    rate, excl, vat, incl = _credit_amounts(credited, refund.amount)
    with translation.override(credited.language):
        description = gettext("Refund: %(description)s") % {"description": credited.lines[0]["description"]}
        if refund.reason:
            description = f"{description} ({refund.reason})"
        payment_terms = gettext("Refunded to the card used for the payment.")
    year = timezone.localtime(issued_at).year
    sequence, number = next_invoice_number(year=year)
    return Invoice.objects.create(
        kind=InvoiceKind.CREDIT_NOTE,
        number=number,
        year=year,
        sequence=sequence,
        order=refund.order,
        credited_invoice=credited,
        refund=refund,
        issued_at=issued_at,
        language=credited.language,
        seller=_seller(),
        # The same buyer as the invoice it corrects, even if their profile changed since.
        buyer=credited.buyer,
        lines=[_line(description=description, quantity=1, rate=rate, excl=-excl, vat=-vat, incl=-incl)],
        total_excl_tax=-excl,
        total_vat=-vat,
        total_incl_tax=-incl,
        currency=credited.currency,
        vat_exempt=credited.vat_exempt,
        payment_terms=payment_terms,
    )
