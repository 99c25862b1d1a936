"""Invoices and credit notes: gap-free numbers and content frozen when issued.

French rules (CGI art. 242 nonies A) ask for one unbroken series of numbers.
A number is taken from ``InvoiceSequence`` under a row lock, in the same
transaction that saves the invoice: when anything fails, the increment rolls
back with it, so there is never a gap nor a duplicate, and nobody reserves a
number in advance. Invoices and credit notes share the series.

Credit notes store **negative** amounts (lines and totals). Summing the totals
of an order's invoices and credit notes then gives what was billed net, and
the document shows the credit with a minus sign under the title "Credit note".

A company order is invoiced to the ORGANISATION (name, SIRET, VAT number,
billing address and contact, purchase order), and for OPCO subrogation one
invoice goes to the OPCO for its share (payer FUNDER) and one to the company
for the rest (payer BUYER): ``issue_company_invoice``.
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
from enrolments.models import (
    Funding,
    InstalmentStatus,
    Invoice,
    InvoiceKind,
    InvoicePayer,
    InvoiceSequence,
    Opco,
    Order,
    PaymentWay,
    Refund,
)
from enrolments.models.orders import RefundStatus

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# A company order records its OPCO's payment as instalment 2 (company_settlement.INSTALMENT_NUMBER).
FUNDER_INSTALMENT = 2


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


def _numbered(*, issued_at: dt.datetime, **fields) -> Invoice:
    """Save an invoice or credit note under the next number of its year, with the seller as of today.

    Inside the caller's ``transaction.atomic()``: see ``next_invoice_number``.
    """
    year = timezone.localtime(issued_at).year
    sequence, number = next_invoice_number(year=year)
    return Invoice.objects.create(
        number=number, year=year, sequence=sequence, issued_at=issued_at, seller=_seller(), **fields
    )


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
    if order.is_company_order:
        # The organisation is billed, not the manager (e.g. a credit note needing its invoice).
        funded = (order.opco_amount or ZERO) if order.payment_way == PaymentWay.OPCO else ZERO
        return issue_company_invoice(
            order=order,
            payer=InvoicePayer.BUYER,
            amount_incl_tax=order.amount_incl_tax - funded,
            issued_at=issued_at,
            language=language,
        )
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
    return _numbered(
        kind=InvoiceKind.INVOICE,
        order=order,
        issued_at=issued_at,
        language=language,
        buyer=_buyer(order),
        lines=[line],
        total_excl_tax=excl,
        total_vat=vat,
        total_incl_tax=incl,
        currency=order.currency,
        vat_exempt=vat_exempt,
        payment_terms=payment_terms,
    )


# --- company orders -------------------------------------------------------------------------


def opco_name(code: str) -> str:
    """ "atlas" → "Atlas"; an unknown code is shown as it is."""
    return str(Opco(code).label) if code in Opco.values else code


def _company_buyer(order: Order) -> dict:
    """The organisation as it is billed, frozen on the invoice (in the active language)."""
    organisation = order.organisation
    details = [gettext("SIRET %(siret)s") % {"siret": organisation.siret}]
    if organisation.vat_number:
        details.append(gettext("VAT number %(number)s") % {"number": organisation.vat_number})
    if organisation.billing_contact_name:
        details.append(gettext("Billing contact: %(name)s") % {"name": organisation.billing_contact_name})
    if order.purchase_order_number:
        details.append(gettext("Purchase order no. %(number)s") % {"number": order.purchase_order_number})
    return {
        "kind": "organisation",
        "name": organisation.name,
        "address": organisation.billing_address,
        "email": organisation.billing_contact_email,
        "siret": organisation.siret,
        "vat_number": organisation.vat_number,
        "contact": organisation.billing_contact_name,
        "purchase_order": order.purchase_order_number,
        "organisation": str(organisation.public_id),
        "details": details,
    }


def _funder_buyer(order: Order) -> dict:
    """The OPCO paying its share in the company's place (subrogation)."""
    organisation = order.organisation
    return {
        "kind": "funder",
        "name": opco_name(order.opco),
        "address": "",
        "email": organisation.billing_contact_email,
        "opco": order.opco,
        "funding_agreement": order.opco_agreement_number,
        "on_behalf_of": organisation.name,
        "siret": organisation.siret,
        "organisation": str(organisation.public_id),
        "details": [
            gettext("Subrogation: pays on behalf of %(name)s (SIRET %(siret)s)")
            % {"name": organisation.name, "siret": organisation.siret},
            gettext("Funding agreement no. %(number)s") % {"number": order.opco_agreement_number},
        ],
    }


def _company_payment_terms(order: Order, payer: str, *, due_on: dt.date | None, paid_at: dt.datetime | None) -> str:
    lines = []
    if paid_at is not None and order.payment_way == PaymentWay.CARD:
        lines.append(gettext("Paid by card on %(date)s.") % {"date": long_date(paid_at)})
    elif payer == InvoicePayer.FUNDER:
        lines.append(
            gettext(
                "Subrogation: %(opco)s pays this share directly to us, under funding agreement no. %(number)s, "
                "on behalf of %(organisation)s."
            )
            % {
                "opco": opco_name(order.opco),
                "number": order.opco_agreement_number,
                "organisation": order.organisation.name,
            }
        )
    elif order.payment_way == PaymentWay.OPCO:
        lines.append(
            gettext("Remainder after the share funded by %(opco)s (%(amount)s, invoiced to the OPCO).")
            % {"opco": opco_name(order.opco), "amount": money(order.opco_amount or ZERO, order.currency)}
        )
    if order.payment_way != PaymentWay.CARD and due_on is not None:
        lines.append(
            gettext("Payable by bank transfer by %(date)s, quoting the invoice number.") % {"date": long_date(due_on)}
        )
    if order.purchase_order_number and payer == InvoicePayer.BUYER:
        lines.append(gettext("Purchase order no. %(number)s.") % {"number": order.purchase_order_number})
    return "\n".join(lines)


def _share_amounts(order: Order, amount: Decimal, vat_exempt: bool) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(rate, excl. tax, VAT, incl. tax) of ``amount`` (tax included) of the order."""
    if amount == order.amount_incl_tax:
        return _invoice_amounts(order, vat_exempt)
    if vat_exempt:
        return ZERO, amount, ZERO, amount
    excl = (amount / (1 + order.vat_rate / 100)).quantize(CENT, ROUND_HALF_UP)
    return order.vat_rate, excl, amount - excl, amount


@transaction.atomic
def issue_company_invoice(
    *,
    order: Order,
    payer: str,
    amount_incl_tax: Decimal,
    due_on: dt.date | None = None,
    paid_at: dt.datetime | None = None,
    issued_at: dt.datetime | None = None,
    language: str = "fr",
) -> Invoice:
    """Issue the invoice of a company order to ``payer``, or return the one already issued to them.

    BUYER: the organisation (the whole order, or what is left after the OPCO's
    share); FUNDER: the OPCO, for ``order.opco_amount``. Set the order's
    payment way, purchase order and OPCO fields first: the invoice copies them.
    """
    _lock_order(order.pk)
    existing = Invoice.objects.filter(order_id=order.pk, kind=InvoiceKind.INVOICE, payer=payer).first()
    if existing:
        return existing
    order = Order.objects.select_related("organisation", "session__course").get(pk=order.pk)
    if not order.is_company_order:
        raise InvoicingError(f"Order {order.reference} is not a company order.")
    if not ZERO < amount_incl_tax <= order.amount_incl_tax:
        raise InvoicingError(f"Cannot invoice {amount_incl_tax} of order {order.reference}.")
    if payer == InvoicePayer.FUNDER and not (order.opco and order.opco_agreement_number):
        raise InvoicingError(f"Order {order.reference} names no OPCO or funding agreement.")
    language = _language(language)
    issued_at = issued_at or timezone.now()
    vat_exempt = bool(settings.SELLER_VAT_EXEMPT or order.vat_exempt)
    rate, excl, vat, incl = _share_amounts(order, amount_incl_tax, vat_exempt)
    whole = amount_incl_tax == order.amount_incl_tax
    with translation.override(language):
        description = _line_description(order)
        if not whole:
            description = ngettext(
                "%(description)s — share of %(count)d place",
                "%(description)s — share of %(count)d places",
                order.quantity,
            ) % {"description": description, "count": order.quantity}
        line = _line(
            description=description,
            quantity=order.quantity if whole else 1,
            rate=rate,
            excl=excl,
            vat=vat,
            incl=incl,
        )
        buyer = _funder_buyer(order) if payer == InvoicePayer.FUNDER else _company_buyer(order)
        payment_terms = _company_payment_terms(order, payer, due_on=due_on, paid_at=paid_at)
    return _numbered(
        kind=InvoiceKind.INVOICE,
        order=order,
        issued_at=issued_at,
        language=language,
        buyer=buyer,
        lines=[line],
        total_excl_tax=excl,
        total_vat=vat,
        total_incl_tax=incl,
        currency=order.currency,
        vat_exempt=vat_exempt,
        payment_terms=payment_terms,
        payer=payer,
        due_on=due_on,
        paid_at=paid_at,
    )


def _credit_amounts(invoice: Invoice, amount: Decimal) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(rate, excl. tax, VAT, incl. tax) of a refund of ``amount`` (tax included), as positive numbers."""
    if invoice.vat_exempt:
        return ZERO, amount, ZERO, amount
    rate = Decimal(invoice.lines[0]["vat_rate"])
    excl = (amount / (1 + rate / 100)).quantize(CENT, ROUND_HALF_UP)
    return rate, excl, amount - excl, amount


@transaction.atomic
def issue_credit_note(*, refund: Refund, issued_at: dt.datetime | None = None, by_transfer: bool = False) -> Invoice:
    """Issue the credit note documenting ``refund``, or return it if it exists.

    It credits the order's invoice (issued first, in French, if it was
    missing: money was taken, so the sale must be invoiced) — for a company
    order, the invoice of whoever paid the refunded instalment (1: the
    company, 2: its OPCO) — takes the next number of the shared series and
    stores negative amounts. ``by_transfer``: the money goes back by bank
    transfer rather than to the card. Refuses a failed refund, and a refund
    that would credit more than the invoice's total.
    """
    _lock_order(refund.order_id)
    existing = Invoice.objects.filter(refund_id=refund.pk).first()
    if existing:
        return existing
    refund = Refund.objects.select_related("order").get(pk=refund.pk)
    if refund.status == RefundStatus.FAILED:
        raise InvoicingError(f"Refund {refund.pk} failed: there is nothing to credit.")
    invoices = Invoice.objects.filter(order_id=refund.order_id, kind=InvoiceKind.INVOICE)
    if refund.order.is_company_order:
        payer = InvoicePayer.FUNDER if refund.instalment.number == FUNDER_INSTALMENT else InvoicePayer.BUYER
        invoices = invoices.filter(payer=payer)
    credited = invoices.first()
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
        if by_transfer:
            payment_terms = gettext("Refunded by bank transfer.")
        else:
            payment_terms = gettext("Refunded to the card used for the payment.")
    return _numbered(
        kind=InvoiceKind.CREDIT_NOTE,
        order=refund.order,
        credited_invoice=credited,
        refund=refund,
        payer=credited.payer,
        issued_at=issued_at,
        language=credited.language,
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


@transaction.atomic
def issue_cancellation_credit_note(
    *, invoice: Invoice, reason: str, issued_at: dt.datetime | None = None
) -> Invoice | None:
    """Cancel what is left of an unpaid invoice with a credit note (no money moved), or return None.

    An issued number is never deleted (the series stays unbroken): an invoice
    that will not be paid, e.g. when unpaid company seats are released, is
    cancelled by a credit note for what it still bills. Idempotent: once fully
    credited, nothing more is issued.
    """
    _lock_order(invoice.order_id)
    invoice = Invoice.objects.get(pk=invoice.pk)
    if invoice.kind != InvoiceKind.INVOICE:
        raise InvoicingError(f"{invoice.number} is not an invoice.")
    already_credited = -(invoice.credit_notes.aggregate(total=Sum("total_incl_tax"))["total"] or ZERO)
    remaining = invoice.total_incl_tax - already_credited
    if remaining <= 0:
        return None
    issued_at = issued_at or timezone.now()
    rate, excl, vat, incl = _credit_amounts(invoice, remaining)
    with translation.override(invoice.language):
        description = gettext("Cancellation: %(description)s") % {"description": invoice.lines[0]["description"]}
        description = f"{description} ({reason})" if reason else description
        payment_terms = gettext("Cancels invoice %(number)s: nothing is due.") % {"number": invoice.number}
    return _numbered(
        kind=InvoiceKind.CREDIT_NOTE,
        order_id=invoice.order_id,
        credited_invoice=invoice,
        issued_at=issued_at,
        language=invoice.language,
        buyer=invoice.buyer,
        payer=invoice.payer,
        lines=[_line(description=description, quantity=1, rate=rate, excl=-excl, vat=-vat, incl=-incl)],
        total_excl_tax=-excl,
        total_vat=-vat,
        total_incl_tax=-incl,
        currency=invoice.currency,
        vat_exempt=invoice.vat_exempt,
        payment_terms=payment_terms,
    )
