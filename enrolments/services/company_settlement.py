"""Settling company invoices: the provider says an invoice is paid, finance staff record a transfer,
or unpaid invoices are voided when the seats are released.

An invoice is paid → its payer's payment is recorded as an Instalment (number
1 = buyer, 2 = funder) → the order is PAID when every invoice of it is paid and
gets its seats. ``sync_provider_invoice`` runs from the ``invoice.*`` webhooks
and the dummy invoice page; ``record_invoice_paid`` from the finance admin;
``void_open_invoices`` when unpaid seats are released. Each one is idempotent
and reads the provider's current state.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enrolments import emails
from enrolments.models import Instalment, InstalmentStatus, Invoice, InvoiceKind, InvoicePayer, Order, OrderStatus
from enrolments.payments import get_backend
from enrolments.payments.base import ProviderInvoice
from enrolments.services.company_release import flag_money_received
from enrolments.services.errors import CompanyPaymentRefused
from enrolments.services.invoicing import FUNDER_INSTALMENT, issue_cancellation_credit_note
from enrolments.services.seats import create_seat_pool

logger = logging.getLogger(__name__)

INSTALMENT_NUMBER = {InvoicePayer.BUYER: 1, InvoicePayer.FUNDER: FUNDER_INSTALMENT}


def _find(provider: ProviderInvoice) -> Invoice | None:
    invoice = Invoice.objects.filter(provider_invoice_id=provider.id).first()
    number = provider.metadata.get("invoice", "")
    if invoice is None and number:
        # Paid before we recorded its id (the sending request had not returned yet).
        invoice = Invoice.objects.filter(
            number=number, provider_invoice_id="", order__organisation__isnull=False
        ).first()
        if invoice is not None:
            Invoice.objects.filter(pk=invoice.pk).update(
                provider_invoice_id=provider.id, hosted_url=provider.hosted_url
            )
    return invoice


def _sync(invoice_id: str, backend_name: str | None) -> tuple[Invoice | None, ProviderInvoice]:
    provider = get_backend(backend_name).retrieve_invoice(invoice_id)
    invoice = _find(provider)
    if invoice is None:
        # E.g. the receipt of a card checkout, settled with the checkout itself.
        logger.info("provider invoice not ours to settle", extra={"invoice_id": invoice_id, "status": provider.status})
        return None, provider
    if provider.status == "paid":
        _settle(invoice, paid_at=provider.paid_at or timezone.now(), payment_id=provider.id)
    elif provider.status == "uncollectible":
        _notify_once(invoice, "company_invoice_uncollectible")
    return Invoice.objects.get(pk=invoice.pk), provider


def sync_provider_invoice(*, invoice_id: str, backend_name: str | None = None) -> Invoice | None:
    """Reconcile our invoice with the provider's current state (``invoice.*`` webhooks, the dummy page).

    Paid → the payment is recorded and the order is PAID once all its invoices
    are; uncollectible → managers and finance staff are told (once). The seats
    stay until the release date.
    """
    return _sync(invoice_id, backend_name)[0]


def report_invoice_payment_failed(*, invoice_id: str, backend_name: str | None = None) -> Invoice | None:
    """A payment of the invoice failed: tell managers and finance staff, unless it is paid or voided since."""
    invoice, provider = _sync(invoice_id, backend_name)
    if invoice is not None and invoice.paid_at is None and provider.status == "open":
        with transaction.atomic():
            emails.notify("company_invoice_payment_failed", invoice.pk)
    return invoice


def _notify_once(invoice: Invoice, kind: str) -> None:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=invoice.order_id)
        key = f"{kind}_{invoice.pk}"
        if key in order.notices:
            return
        order.notices = {**order.notices, key: timezone.now().isoformat()}
        order.save(update_fields=["notices", "updated_at"])
        emails.notify(kind, invoice.pk)


def record_invoice_paid(
    *, invoice: Invoice, paid_at: dt.datetime | None = None, by=None, reference: str = ""
) -> Invoice:
    """Finance staff received the transfer of ``invoice`` outside the provider. Idempotent.

    The provider's invoice (if any) is marked paid out of band, so it stops
    asking for the money; then the payment is recorded as from the webhook.
    """
    invoice = Invoice.objects.select_related("order").get(pk=invoice.pk)
    if invoice.kind != InvoiceKind.INVOICE or not invoice.order.is_company_order:
        raise CompanyPaymentRefused(_("Only the invoices of company orders are paid this way."))
    if invoice.paid_at is not None:
        return invoice
    if invoice.provider_invoice_id:
        backend = get_backend(invoice.order.payment_backend or None)
        provider = backend.retrieve_invoice(invoice.provider_invoice_id)
        if provider.status == "void":
            raise CompanyPaymentRefused(_("This invoice was cancelled at the payment provider."))
        if provider.status != "paid":
            backend.mark_invoice_paid_out_of_band(
                invoice.provider_invoice_id, idempotency_key=f"invoice-{invoice.number}-paid-out-of-band"
            )
    _settle(
        invoice,
        paid_at=paid_at or timezone.now(),
        payment_id=reference or invoice.provider_invoice_id or f"transfer-{invoice.number}",
    )
    logger.info("company invoice paid (recorded)", extra={"invoice": invoice.number, "by": getattr(by, "pk", None)})
    return Invoice.objects.get(pk=invoice.pk)


def _settle(invoice: Invoice, *, paid_at: dt.datetime, payment_id: str) -> None:
    """Record the payment of ``invoice`` (once), then settle the order if nothing is left to pay."""
    with transaction.atomic():
        Order.objects.select_for_update().filter(pk=invoice.order_id).values_list("pk", flat=True).get()
        invoice = Invoice.objects.get(pk=invoice.pk)
        if invoice.paid_at is not None:
            return
        Invoice.objects.filter(pk=invoice.pk).update(paid_at=paid_at)
        number = INSTALMENT_NUMBER.get(invoice.payer, 1)
        Instalment.objects.update_or_create(
            order_id=invoice.order_id,
            number=number,
            defaults={
                "due_on": invoice.due_on or timezone.localdate(paid_at),
                "amount": invoice.total_incl_tax,
                "status": InstalmentStatus.PAID,
                "provider_payment_id": payment_id,
                "paid_at": paid_at,
            },
        )
        settle_order(invoice.order_id)
    logger.info("company invoice paid", extra={"invoice": invoice.number, "payment_id": payment_id})


def settle_order(order_id: int) -> None:
    """The order is PAID when every invoice of it is paid (inside the caller's transaction or its own).

    Money that reaches an order already cancelled (seats released, session cancelled) must go
    back: the order stays CANCELLED, without seats, and finance staff are told once.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status == OrderStatus.CANCELLED:
            _money_after_cancellation(order)
            return
        invoices = order.invoices.filter(kind=InvoiceKind.INVOICE)
        if order.status != OrderStatus.INVOICED or invoices.filter(paid_at__isnull=True).exists():
            return
        order.status = OrderStatus.PAID
        order.save(update_fields=["status", "updated_at"])
        create_seat_pool(order=order)
        emails.notify("company_order_paid", order.pk)


def _money_after_cancellation(order: Order) -> None:
    # The order is locked by the caller. The REFUND_FLAGGED stamp makes replays and the release's
    # own flag (a transfer that crossed the release) send nothing more.
    if flag_money_received(order, timezone.now()):
        order.save(update_fields=["notices", "updated_at"])
        logger.warning("money received for a cancelled company order, flagged", extra={"order": order.reference})
    else:
        # Paid by card (refunded through the provider), or finance staff were told of earlier money.
        logger.error("money received for a cancelled company order, not flagged", extra={"order": order.reference})


def void_open_invoices(*, order: Order) -> list[Invoice]:
    """Cancel the order's unpaid invoices at the provider (its unpaid seats were released).

    Our own invoices keep their numbers (a gap-free series never loses one):
    each voided one is cancelled by a credit note.
    """
    voided = []
    backend = get_backend(order.payment_backend or None)
    # An invoice already cancelled by a credit note is done with (a second release run finds nothing).
    unpaid = order.invoices.filter(kind=InvoiceKind.INVOICE, paid_at__isnull=True, credit_notes__isnull=True)
    for invoice in unpaid:
        provider = backend.retrieve_invoice(invoice.provider_invoice_id) if invoice.provider_invoice_id else None
        if provider is None or provider.status in ("draft", "open", "uncollectible", "void"):
            # A draft never reached the customer: there is nothing to void at the provider.
            if provider is not None and provider.status in ("open", "uncollectible"):
                backend.void_invoice(invoice.provider_invoice_id, idempotency_key=f"invoice-{invoice.number}-void")
            with translation.override(invoice.language):
                reason = gettext("unpaid seats released")
            issue_cancellation_credit_note(invoice=invoice, reason=reason)
            voided.append(invoice)
        elif provider.status == "paid":
            # The money came in just before the release: record it, finance staff decide.
            _settle(invoice, paid_at=provider.paid_at or timezone.now(), payment_id=provider.id)
    if voided:
        logger.info("company invoices voided", extra={"order": order.reference, "invoices": [i.number for i in voided]})
    return voided
