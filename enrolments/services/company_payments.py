"""How a company pays the order of an accepted quote: by card now, by bank transfer against an invoice, or by OPCO.

- **Card** (``start_company_card_checkout`` → ``fulfil_company_checkout``): a
  hosted checkout in payment mode for the N places, with a provider receipt
  invoice; once paid, the order is PAID, our invoice is issued (paid) and the
  seat pool is created.
- **Transfer** and **OPCO subrogation** (``invoice_company_order``), for
  verified organisations only: our gap-free invoice(s) first (to the OPCO for
  its share, to the company for the rest), then the same invoice(s) at the
  provider (payable by bank transfer, due before the seats' release date, sent
  by the provider). The order is INVOICED and its seats are usable at once.
- **Settlement** is in ``company_settlement``: webhooks, finance staff, voiding.

Every step is idempotent and reads the provider's current state, so webhooks
may arrive twice, late or out of order.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enrolments import emails
from enrolments.models import (
    Agreement,
    Instalment,
    InstalmentStatus,
    Invoice,
    InvoiceKind,
    InvoicePayer,
    Opco,
    Order,
    OrderStatus,
    PaymentWay,
)
from enrolments.payments import get_backend
from enrolments.payments.base import BillingAddress, CheckoutSession, InvoiceLine, PaymentError, ProviderInvoice
from enrolments.services.company_settlement import INSTALMENT_NUMBER, settle_order
from enrolments.services.errors import CompanyPaymentRefused
from enrolments.services.invoicing import issue_company_invoice
from enrolments.services.seats import create_seat_pool

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# A hosted card checkout stays open this long (the provider's minimum is 30 minutes).
CHECKOUT_MINUTES = 60


# --- rules the order page shows -----------------------------------------------------------------


def transfer_days(order: Order, *, today: dt.date | None = None) -> int:
    """Days given to pay by transfer: COMPANY_INVOICE_DUE_DAYS, but never past the seats' release date."""
    today = today or timezone.localdate()
    days = settings.COMPANY_INVOICE_DUE_DAYS
    if order.release_on is not None:
        days = min(days, (order.release_on - today).days)
    return days


def invoice_refusal(order: Order, *, today: dt.date | None = None) -> str:
    """Why this order cannot be paid by transfer or OPCO now ("" when it can)."""
    if not order.organisation.is_verified:
        return gettext(
            "Paying by bank transfer or through an OPCO opens once we have verified your organisation "
            "(usually within two working days). You can pay by card now."
        )
    if transfer_days(order, today=today) < 1:
        return gettext(
            "It is too late to pay by bank transfer: the seats are released soon unless paid. Please pay by card."
        )
    return ""


def _language(order: Order) -> str:
    language = Agreement.objects.filter(order_id=order.pk).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


def _payable(order_id: int) -> Order:
    """The company order, locked, if it still awaits its payment choice."""
    order = Order.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=order_id)
    if not order.is_company_order:
        raise CompanyPaymentRefused(_("This order is not a company order."))
    if order.status != OrderStatus.PENDING:
        raise CompanyPaymentRefused(_("This order is no longer awaiting payment."))
    return order


def _check_purchase_order(order: Order, number: str) -> None:
    if order.organisation.purchase_order_required and not number:
        raise CompanyPaymentRefused(_("Your organisation requires a purchase order number on its invoices."))


def _billing_address(order: Order) -> BillingAddress:
    organisation = order.organisation
    return BillingAddress(
        line1=organisation.billing_street_address,
        postal_code=organisation.billing_postal_code,
        city=organisation.billing_city,
        country=organisation.billing_country,
    )


def _description(order: Order) -> str:
    session = order.session
    return f"{session.course.localized.title} — {session.code}"


# --- by card ------------------------------------------------------------------------------------


def start_company_card_checkout(
    *,
    order: Order,
    success_url: str,
    cancel_url: str,
    language: str | None = None,
    purchase_order_number: str = "",
) -> str:
    """The URL of a hosted checkout paying the whole order by card now.

    An open checkout of the order is reused, so a reload does not open a second one.
    """
    purchase_order_number = purchase_order_number.strip()
    with transaction.atomic():
        order = _payable(order.pk)
        number = purchase_order_number or order.purchase_order_number
        _check_purchase_order(order, number)
        if order.invoices.filter(kind=InvoiceKind.INVOICE).exists():
            raise CompanyPaymentRefused(_("This order was already invoiced: please pay the invoice."))
        if number != order.purchase_order_number:
            Order.objects.filter(pk=order.pk).update(purchase_order_number=number, updated_at=timezone.now())
    order = Order.objects.select_related("organisation", "session__course").get(pk=order.pk)
    organisation = order.organisation
    backend = get_backend(order.payment_backend or None)
    if order.checkout_id and order.payment_backend == backend.name:
        current = backend.retrieve_checkout(order.checkout_id)
        if current.status == "open":
            return current.url
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    customer_id = backend.ensure_customer(
        email=organisation.billing_contact_email,
        name=organisation.name,
        address=_billing_address(order),
        tax_id=organisation.vat_number,
        language=language,
        idempotency_key=f"customer-{organisation.public_id}-{secrets.token_hex(4)}",
    )
    total = order.amount_incl_tax
    # N places at the unit price, unless the total does not split into whole cents.
    quantity = order.quantity if (total / order.quantity).quantize(CENT) * order.quantity == total else 1
    with translation.override(language):
        fields = [(gettext("Order"), order.reference), (gettext("Purchase order"), order.purchase_order_number)]
        description = _description(order)
    checkout = backend.create_checkout(
        mode="payment",
        amount=total,
        currency=order.currency,
        description=description,
        customer_email=organisation.billing_contact_email,
        customer_id=customer_id,
        success_url=success_url,
        cancel_url=cancel_url,
        metadata={"order": order.reference, "organisation": str(organisation.public_id), "language": language},
        idempotency_key=f"company-checkout-{order.reference}-{secrets.token_hex(6)}",
        expires_in_minutes=CHECKOUT_MINUTES,
        quantity=quantity,
        create_invoice=True,
        # The company pays once: its card is not kept.
        save_card=False,
        invoice_fields=fields,
    )
    Order.objects.filter(pk=order.pk).update(
        payment_backend=backend.name,
        customer_id=checkout.customer_id or customer_id,
        checkout_id=checkout.id,
        checkout_url=checkout.url,
        updated_at=timezone.now(),
    )
    logger.info("company card checkout", extra={"order": order.reference, "checkout_id": checkout.id})
    return checkout.url


def fulfil_company_checkout(checkout: CheckoutSession) -> Order | None:
    """Act on a company order's card checkout (its current state). Idempotent.

    Complete and paid → the order is PAID, with its payment, our invoice (paid)
    and the seat pool. Anything else changes nothing: the manager can try again.
    """
    order = Order.objects.filter(reference=checkout.metadata.get("order", ""), organisation__isnull=False).first()
    if order is None:
        logger.warning("company checkout without a known order", extra={"checkout_id": checkout.id})
        return None
    if checkout.status != "complete" or checkout.payment_status != "paid":
        return order
    receipt = _provider_invoice(order, checkout.invoice_id)
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=order.pk)
        if order.status == OrderStatus.PAID:
            return order
        if order.status != OrderStatus.PENDING:
            # Paid by card after choosing a transfer, or after the seats were released: finance must sort it out.
            logger.error(
                "card payment for a company order that is not pending",
                extra={"order": order.reference, "status": order.status, "payment_id": checkout.payment_intent_id},
            )
            return order
        order.status = OrderStatus.PAID
        order.payment_way = PaymentWay.CARD
        order.save(update_fields=["status", "payment_way", "updated_at"])
        Instalment.objects.create(
            order=order,
            number=INSTALMENT_NUMBER[InvoicePayer.BUYER],
            due_on=timezone.localdate(now),
            amount=order.amount_incl_tax,
            status=InstalmentStatus.PAID,
            attempts=1,
            provider_payment_id=checkout.payment_intent_id,
            paid_at=now,
        )
        invoice = issue_company_invoice(
            order=order,
            payer=InvoicePayer.BUYER,
            amount_incl_tax=order.amount_incl_tax,
            paid_at=now,
            language=_language(order),
        )
        if receipt is not None:
            Invoice.objects.filter(pk=invoice.pk).update(provider_invoice_id=receipt.id, hosted_url=receipt.hosted_url)
        create_seat_pool(order=order)
        emails.notify("company_order_paid", order.pk)
    logger.info("company order paid by card", extra={"order": order.reference, "checkout_id": checkout.id})
    return order


def _provider_invoice(order: Order, invoice_id: str) -> ProviderInvoice | None:
    """The provider's receipt invoice of a card payment, if it can be read now (it is only a link)."""
    if not invoice_id:
        return None
    try:
        return get_backend(order.payment_backend or None).retrieve_invoice(invoice_id)
    except PaymentError:
        logger.warning("receipt invoice not readable", extra={"order": order.reference, "invoice_id": invoice_id})
        return None


# --- by transfer or OPCO --------------------------------------------------------------------------


def _check_opco(order: Order, *, opco: str, amount: Decimal | None, agreement_number: str) -> None:
    if opco not in Opco.values:
        raise CompanyPaymentRefused(_("Choose the OPCO that funds this training."))
    if not agreement_number:
        raise CompanyPaymentRefused(_("Give the number of the OPCO's funding agreement."))
    if amount is None or amount <= 0 or amount != amount.quantize(CENT):
        raise CompanyPaymentRefused(_("Give the amount the OPCO funds, in euros and cents."))
    if amount > order.amount_incl_tax:
        raise CompanyPaymentRefused(_("The OPCO cannot fund more than the order's total."))


def invoice_company_order(
    *,
    order: Order,
    by,
    payment_way: str,
    purchase_order_number: str = "",
    opco: str = "",
    opco_amount: Decimal | None = None,
    opco_agreement_number: str = "",
) -> list[Invoice]:
    """Invoice a PENDING company order for payment by bank transfer, or through its OPCO (subrogation).

    Our invoices are issued first (their numbers are final), then sent by the
    provider with the same numbers. When the provider cannot be reached, the
    ``PaymentError`` goes up and calling again resumes with the invoices already
    issued. Once every invoice is sent the order is INVOICED and gets its seats.
    """
    purchase_order_number = purchase_order_number.strip()
    opco = opco or ""
    opco_agreement_number = opco_agreement_number.strip()
    with transaction.atomic():
        locked = Order.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=order.pk)
        invoices = list(locked.invoices.filter(kind=InvoiceKind.INVOICE).order_by("sequence"))
        if locked.status == OrderStatus.INVOICED and invoices:
            return invoices
        if not invoices:
            invoices = _issue(
                order_id=order.pk,
                payment_way=payment_way,
                purchase_order_number=purchase_order_number,
                opco=opco,
                opco_amount=opco_amount,
                opco_agreement_number=opco_agreement_number,
            )
        elif locked.status != OrderStatus.PENDING:
            raise CompanyPaymentRefused(_("This order is no longer awaiting payment."))
    order = Order.objects.select_related("organisation", "session__course").get(pk=order.pk)
    for invoice in invoices:
        if not invoice.provider_invoice_id:
            _send(order, invoice)
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        if order.status == OrderStatus.PENDING:
            order.status = OrderStatus.INVOICED
            order.save(update_fields=["status", "updated_at"])
            create_seat_pool(order=order)
            for invoice in invoices:
                emails.notify("company_invoice_sent", invoice.pk)
    logger.info(
        "company order invoiced",
        extra={"order": order.reference, "payment_way": order.payment_way, "by": getattr(by, "pk", None)},
    )
    invoices = list(order.invoices.filter(kind=InvoiceKind.INVOICE).order_by("sequence"))
    # Paid already (a webhook came first): settle the order now that it is invoiced.
    for invoice in invoices:
        if invoice.paid_at is not None:
            settle_order(order.pk)
            break
    return invoices


def _issue(
    *,
    order_id: int,
    payment_way: str,
    purchase_order_number: str,
    opco: str,
    opco_amount: Decimal | None,
    opco_agreement_number: str,
) -> list[Invoice]:
    """Check the choice, record it on the order and issue our invoice(s). Inside the caller's transaction."""
    order = _payable(order_id)
    if payment_way not in (PaymentWay.TRANSFER, PaymentWay.OPCO):
        raise CompanyPaymentRefused()
    refusal = invoice_refusal(order)
    if refusal:
        raise CompanyPaymentRefused(refusal)
    _check_purchase_order(order, purchase_order_number)
    if payment_way == PaymentWay.OPCO:
        _check_opco(order, opco=opco, amount=opco_amount, agreement_number=opco_agreement_number)
    else:
        opco, opco_amount, opco_agreement_number = "", None, ""
    order.payment_way = payment_way
    order.purchase_order_number = purchase_order_number
    order.opco = opco
    order.opco_amount = opco_amount
    order.opco_agreement_number = opco_agreement_number
    order.payment_backend = order.payment_backend or get_backend().name
    order.save()
    today = timezone.localdate()
    due_on = today + dt.timedelta(days=transfer_days(order, today=today))
    language = _language(order)
    shares = [(InvoicePayer.BUYER, order.amount_incl_tax)]
    if payment_way == PaymentWay.OPCO:
        shares = [(InvoicePayer.FUNDER, opco_amount), (InvoicePayer.BUYER, order.amount_incl_tax - opco_amount)]
    return [
        issue_company_invoice(order=order, payer=payer, amount_incl_tax=amount, due_on=due_on, language=language)
        for payer, amount in shares
        if amount > 0
    ]


def _invoice_line(invoice: Invoice) -> InvoiceLine:
    line = invoice.lines[0]
    quantity = int(line["quantity"])
    total = invoice.total_incl_tax
    if (total / quantity).quantize(CENT) * quantity != total:
        quantity = 1
    return InvoiceLine(
        description=line["description"], quantity=quantity, unit_amount=(total / quantity).quantize(CENT)
    )


def _send(order: Order, invoice: Invoice) -> None:
    """The invoice at the provider (payable by transfer), with our number; remembered at once."""
    organisation = order.organisation
    funder = invoice.payer == InvoicePayer.FUNDER
    days = max((invoice.due_on - timezone.localdate()).days, 0) if invoice.due_on else transfer_days(order)
    with translation.override(invoice.language):
        fields = [(gettext("Order"), order.reference)]
        if funder:
            fields += [
                (gettext("Funding agreement"), order.opco_agreement_number),
                (gettext("On behalf of"), f"{organisation.name} (SIRET {organisation.siret})"),
            ]
        footer = gettext("Invoice %(number)s — training provider: %(seller)s.") % {
            "number": invoice.number,
            "seller": settings.SELLER["name"],
        }
        if invoice.vat_exempt:
            footer = f"TVA non applicable, article 261-4-4° a du CGI. {footer}"
        provider = get_backend(order.payment_backend or None).create_invoice(
            customer_email=organisation.billing_contact_email,
            customer_name=invoice.buyer["name"],
            address=None if funder else _billing_address(order),
            tax_id="" if funder else organisation.vat_number,
            lines=[_invoice_line(invoice)],
            currency=invoice.currency,
            days_until_due=days,
            number=invoice.number,
            purchase_order="" if funder else order.purchase_order_number,
            custom_fields=fields,
            footer=footer,
            metadata={
                "order": order.reference,
                "invoice": invoice.number,
                "payer": invoice.payer,
                "organisation": str(organisation.public_id),
                "language": invoice.language,
            },
            language=invoice.language,
            idempotency_key=f"company-invoice-{invoice.number}",
        )
    Invoice.objects.filter(pk=invoice.pk).update(
        provider_invoice_id=provider.id,
        hosted_url=provider.hosted_url,
        due_on=provider.due_date or invoice.due_on,
    )
    invoice.provider_invoice_id = provider.id
    logger.info("company invoice sent", extra={"invoice": invoice.number, "provider_invoice_id": provider.id})
