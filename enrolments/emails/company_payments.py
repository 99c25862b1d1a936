"""How a company pays its seats: the receipt, the invoices sent, and invoices in trouble.

Kinds (the object id each one takes):

- ``company_order_paid`` (Order): to the managers, the order is paid (the invoice attached when paid by
  card) and a link to assign the seats;
- ``company_invoice_sent`` (Invoice): to the billing contact and the managers, the invoice PDF, its due
  date, how to pay it by transfer (the online invoice) and the purchase order number; for an OPCO's
  invoice, the funding agreement it is paid under;
- ``company_invoice_payment_failed`` (Invoice): to the managers and ``ENROLMENT_STAFF_EMAILS``, a payment
  of the invoice failed;
- ``company_invoice_uncollectible`` (Invoice): to the managers and ``ENROLMENT_STAFF_EMAILS``, the invoice
  was written off as uncollectible (the seats stay until the release date).

Organisations are written to in the language of their invoice (the site's default otherwise).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from enrolments.documents.pdf import invoice_pdf
from enrolments.emails.rendering import Attachment, Draft, email_kind, loader, money, site_url, staff_language
from enrolments.emails.session_details import session_context, subject_course
from enrolments.models import Invoice, InvoiceKind, InvoicePayer, MembershipStatus, Order, OrderStatus, PaymentWay

load_order = loader(Order.objects.select_related("organisation", "session__course", "session__venue"))
load_invoice = loader(
    Invoice.objects.select_related("order__organisation", "order__session__course", "order__session__venue")
)


def nobody(_obj) -> None:
    # Written to an organisation (several people) and staff: no one person's anonymisation applies.
    return None


def invoice_language(invoice: Invoice) -> str:
    return invoice.language if invoice.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def managers(order: Order, *, billing_contact: bool = False) -> list[str]:
    """The organisation's active managers (not anonymised), and its billing contact if asked; no duplicates."""
    organisation = order.organisation
    addresses = list(
        organisation.memberships.filter(
            status=MembershipStatus.ACTIVE, user__isnull=False, user__anonymised_at__isnull=True
        ).values_list("user__email", flat=True)
    )
    if billing_contact and organisation.billing_contact_email:
        addresses.insert(0, organisation.billing_contact_email)
    return list(dict.fromkeys(address for address in addresses if address))


def page_url(name: str, order: Order, *, language: str) -> str:
    """An absolute URL of the organisation's pages about ``order`` (``site_url`` adds the language prefix)."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse(name, kwargs={"org": order.organisation.public_id, "reference": order.reference})
    return site_url(path, language=language)


def invoice_attachment(invoice: Invoice) -> Attachment:
    return Attachment(f"{invoice.number}.pdf", invoice_pdf(invoice), "application/pdf")


def _order_context(order: Order, *, language: str) -> dict[str, Any]:
    return {
        **session_context(order.session, language=language),
        "order": order,
        "organisation_name": order.organisation.name,
        "quantity": order.quantity,
        "total": money(order.amount_incl_tax, order.currency),
        "order_url": page_url("organisations:order", order, language=language),
        "seats_url": page_url("organisations:seats", order, language=language),
        "release_on": order.release_on,
    }


def _invoice_context(invoice: Invoice, *, language: str) -> dict[str, Any]:
    order = invoice.order
    return {
        **_order_context(order, language=language),
        "invoice": invoice,
        "amount": money(invoice.total_incl_tax, invoice.currency),
        "due_on": invoice.due_on,
        "hosted_url": invoice.hosted_url,
        "purchase_order": order.purchase_order_number if invoice.payer == InvoicePayer.BUYER else "",
        "is_funder": invoice.payer == InvoicePayer.FUNDER,
        "payer_name": invoice.buyer.get("name", ""),
        "agreement_number": order.opco_agreement_number,
    }


@email_kind("company_order_paid", load=load_order, person=nobody, language=staff_language)
def company_order_paid(order: Order, language: str) -> Draft | None:
    """The order is paid: a receipt, and the link to assign the seats."""
    if not order.is_company_order or order.status != OrderStatus.PAID:
        return None
    context = _order_context(order, language=language)
    invoices = list(order.invoices.filter(kind=InvoiceKind.INVOICE).order_by("sequence"))
    context["by_card"] = order.payment_way == PaymentWay.CARD
    context["invoices"] = invoices
    return Draft(
        to=managers(order),
        subject=_("Order %(reference)s paid: assign your places in %(course)s")
        % {**subject_course(context), "reference": order.reference},
        template="company_order_paid",
        context=context,
        # Paid by card: its invoice is the receipt. Transfer invoices were sent with their own email.
        attachments=[invoice_attachment(invoice) for invoice in invoices] if context["by_card"] else [],
        reply_to=[settings.SELLER["email"]],
    )


@email_kind("company_invoice_sent", load=load_invoice, person=nobody, language=invoice_language)
def company_invoice_sent(invoice: Invoice, language: str) -> Draft | None:
    """The invoice to pay by transfer: PDF, due date, the online invoice with the bank details, PO number."""
    if invoice.paid_at is not None or not invoice.order.is_company_order:
        return None
    context = _invoice_context(invoice, language=language)
    return Draft(
        to=managers(invoice.order, billing_contact=True),
        subject=_("Invoice %(number)s for %(course)s") % {**subject_course(context), "number": invoice.number},
        template="company_invoice_sent",
        context=context,
        attachments=[invoice_attachment(invoice)],
        reply_to=[settings.SELLER["email"]],
    )


@email_kind("company_invoice_payment_failed", load=load_invoice, person=nobody, language=invoice_language)
def company_invoice_payment_failed(invoice: Invoice, language: str) -> Draft | None:
    """A payment of the invoice failed: managers and finance staff."""
    if invoice.paid_at is not None:
        return None
    context = _invoice_context(invoice, language=language)
    return Draft(
        to=managers(invoice.order) + list(settings.ENROLMENT_STAFF_EMAILS),
        subject=_("Payment failed for invoice %(number)s") % {"number": invoice.number},
        template="company_invoice_payment_failed",
        context=context,
        reply_to=[settings.SELLER["email"]],
    )


@email_kind("company_invoice_uncollectible", load=load_invoice, person=nobody, language=invoice_language)
def company_invoice_uncollectible(invoice: Invoice, language: str) -> Draft | None:
    """The invoice was written off as uncollectible: managers and finance staff."""
    if invoice.paid_at is not None:
        return None
    context = _invoice_context(invoice, language=language)
    return Draft(
        to=managers(invoice.order) + list(settings.ENROLMENT_STAFF_EMAILS),
        subject=_("Invoice %(number)s is unpaid") % {"number": invoice.number},
        template="company_invoice_uncollectible",
        context=context,
        reply_to=[settings.SELLER["email"]],
    )
