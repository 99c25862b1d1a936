"""The dummy backend: a provider kept in the database, for the demo and offline tests.

Its objects (checkouts ``cs_dummy_…``, payments ``pi_dummy_…``, refunds
``re_dummy_…``, invoices ``in_dummy_…``) are ``DummyCheckout`` rows whose
``data`` looks like what a provider returns. Its checkout page is a local view
with three buttons: succeed, succeed but decline later charges (saves
``pm_dummy_declines``), fail. Its hosted invoice page shows an invoice and, for
the demo, simulates the bank transfer that pays it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from enrolments.models import DummyCheckout

from .base import (
    BillingAddress,
    CheckoutSession,
    InvoiceLine,
    Payment,
    PaymentBackend,
    PaymentError,
    ProviderInvoice,
    RefundResult,
    unit_amount,
)

DECLINING_CARD = "pm_dummy_declines"
OUTCOMES = ("succeed", "succeed_declines_later", "fail")


def _new_id(prefix: str) -> str:
    return f"{prefix}_dummy_{secrets.token_hex(12)}"


def _customer_id(email: str, name: str = "") -> str:
    key = f"{email.lower()}|{name}" if name else email.lower()
    return f"cus_dummy_{hashlib.sha256(key.encode()).hexdigest()[:16]}"


class DummyBackend(PaymentBackend):
    """Checkouts, off-session charges and refunds without any network."""

    name = "dummy"

    # --- storage ---------------------------------------------------------------------------

    def _existing(self, kind: str, idempotency_key: str) -> DummyCheckout | None:
        if not idempotency_key:
            return None
        return DummyCheckout.objects.filter(kind=kind, idempotency_key=idempotency_key).first()

    def _row(self, object_id: str, kind: str) -> DummyCheckout:
        try:
            return DummyCheckout.objects.get(object_id=object_id, kind=kind)
        except DummyCheckout.DoesNotExist:
            raise PaymentError(f"No such {kind}: {object_id}", code="resource_missing") from None

    # --- checkout --------------------------------------------------------------------------

    def create_checkout(
        self,
        *,
        mode: str,
        amount: Decimal,
        currency: str,
        description: str,
        customer_email: str,
        customer_id: str,
        success_url: str,
        cancel_url: str,
        metadata: dict[str, str],
        idempotency_key: str,
        expires_in_minutes: int,
        quantity: int = 1,
        create_invoice: bool = False,
        save_card: bool = True,
        invoice_fields: Sequence[tuple[str, str]] = (),
    ) -> CheckoutSession:
        existing = self._existing("checkout", idempotency_key)
        if existing is not None:
            return self._checkout(existing)
        if mode == "payment":
            unit_amount(amount, quantity)  # refuses fractions of a cent, as the provider would
        object_id = _new_id("cs")
        row = DummyCheckout.objects.create(
            object_id=object_id,
            kind="checkout",
            idempotency_key=idempotency_key,
            data={
                "mode": mode,
                "status": "open",
                "payment_status": "no_payment_required" if mode == "setup" else "unpaid",
                "amount": str(amount),
                "currency": currency,
                "description": description,
                "customer_email": customer_email,
                "customer_id": customer_id or _customer_id(customer_email),
                "quantity": quantity,
                "create_invoice": create_invoice,
                "save_card": save_card,
                "invoice_fields": [list(f) for f in invoice_fields],
                "invoice_id": "",
                "payment_method_id": "",
                "payment_intent_id": "",
                "success_url": success_url.replace("{CHECKOUT_SESSION_ID}", object_id),
                "cancel_url": cancel_url,
                "metadata": dict(metadata),
                "expires_at": (timezone.now() + dt.timedelta(minutes=expires_in_minutes)).isoformat(),
                "url": self._page_url(object_id, success_url),
            },
        )
        return self._checkout(row)

    @staticmethod
    def _page_url(object_id: str, success_url: str) -> str:
        """The fake checkout page, on the same host as the caller's return URL."""
        path = reverse("payments:dummy_checkout", args=[object_id])
        parts = urlsplit(success_url)
        return urlunsplit((parts.scheme, parts.netloc, path, "", "")) if parts.netloc else path

    def retrieve_checkout(self, checkout_id: str) -> CheckoutSession:
        row = self._row(checkout_id, "checkout")
        data = row.data
        if data["status"] == "open" and dt.datetime.fromisoformat(data["expires_at"]) <= timezone.now():
            # Like the provider: an open checkout past its expiry is expired.
            data["status"] = "expired"
            row.save(update_fields=["data", "updated_at"])
        return self._checkout(row)

    def checkout_details(self, checkout_id: str) -> dict:
        """What the fake checkout page shows: description, amount, return URLs, last error."""
        self.retrieve_checkout(checkout_id)
        return dict(self._row(checkout_id, "checkout").data)

    @transaction.atomic
    def complete_checkout(self, checkout_id: str, outcome: str) -> CheckoutSession:
        """What the person did on the fake checkout page.

        ``succeed`` saves a working card; ``succeed_declines_later`` saves a card
        whose later off-session charges are declined; ``fail`` saves nothing and
        leaves the checkout open for another try.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        self.retrieve_checkout(checkout_id)  # applies the expiry first
        row = DummyCheckout.objects.select_for_update().get(object_id=checkout_id, kind="checkout")
        data = row.data
        if data["status"] != "open":
            return self._checkout(row)
        if outcome == "fail":
            data["last_error"] = "card_declined"
            row.save(update_fields=["data", "updated_at"])
            return self._checkout(row)
        card = DECLINING_CARD if outcome == "succeed_declines_later" else _new_id("pm")
        data.update(status="complete", last_error="")
        if data["mode"] == "setup" or data.get("save_card", True):
            data["payment_method_id"] = card
        if data["mode"] == "payment":
            # The payment at checkout succeeds; the saved card only declines later, off-session.
            intent = DummyCheckout.objects.create(
                object_id=_new_id("pi"),
                kind="payment",
                data={
                    "status": "succeeded",
                    "amount": data["amount"],
                    "amount_refunded": "0",
                    "failure_message": "",
                    "metadata": data["metadata"],
                },
            )
            data.update(payment_status="paid", payment_intent_id=intent.object_id)
            if data.get("create_invoice"):
                data["invoice_id"] = self._paid_checkout_invoice(row.object_id, data).object_id
        row.save(update_fields=["data", "updated_at"])
        return self._checkout(row)

    def _paid_checkout_invoice(self, checkout_id: str, data: dict) -> DummyCheckout:
        """The receipt invoice the provider issues for a paid checkout (``invoice_creation``)."""
        quantity = int(data.get("quantity", 1))
        amount = Decimal(data["amount"])
        return self._store_invoice(
            customer_id=data["customer_id"],
            customer_email=data["customer_email"],
            customer_name="",
            lines=[InvoiceLine(data["description"], quantity, unit_amount(amount, quantity))],
            currency=data["currency"],
            days_until_due=0,
            number="",
            custom_fields=[tuple(f) for f in data.get("invoice_fields", [])],
            footer="",
            metadata=data["metadata"],
            idempotency_key=f"{checkout_id}-invoice",
            status="paid",
        )

    @staticmethod
    def _checkout(row: DummyCheckout) -> CheckoutSession:
        data = row.data
        return CheckoutSession(
            id=row.object_id,
            url=data["url"],
            mode=data["mode"],
            status=data["status"],
            payment_status=data["payment_status"],
            customer_id=data["customer_id"],
            payment_method_id=data["payment_method_id"],
            payment_intent_id=data["payment_intent_id"],
            amount=Decimal(data["amount"]) if data["mode"] == "payment" else None,
            metadata=dict(data["metadata"]),
            invoice_id=data.get("invoice_id", ""),
        )

    # --- payments --------------------------------------------------------------------------

    def charge_off_session(
        self,
        *,
        amount: Decimal,
        currency: str,
        customer_id: str,
        payment_method_id: str,
        description: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> Payment:
        existing = self._existing("payment", idempotency_key)
        if existing is not None:
            return self._payment(existing)
        declined = not payment_method_id or payment_method_id == DECLINING_CARD
        row = DummyCheckout.objects.create(
            object_id=_new_id("pi"),
            kind="payment",
            idempotency_key=idempotency_key,
            data={
                "status": "requires_payment_method" if declined else "succeeded",
                "amount": str(amount),
                "currency": currency,
                "customer_id": customer_id,
                "payment_method_id": payment_method_id,
                "description": description,
                "amount_refunded": "0",
                # In English, like a provider's own message (staff read it, not learners).
                "failure_message": "Your card was declined." if declined else "",
                "metadata": dict(metadata),
            },
        )
        return self._payment(row)

    def retrieve_payment(self, payment_id: str) -> Payment:
        return self._payment(self._row(payment_id, "payment"))

    @staticmethod
    def _payment(row: DummyCheckout) -> Payment:
        data = row.data
        return Payment(
            id=row.object_id,
            status=data["status"],
            amount=Decimal(data["amount"]),
            amount_refunded=Decimal(data["amount_refunded"]),
            failure_message=data["failure_message"],
            metadata=dict(data["metadata"]),
        )

    @transaction.atomic
    def refund(self, *, payment_id: str, amount: Decimal, idempotency_key: str, reason: str = "") -> RefundResult:
        existing = self._existing("refund", idempotency_key)
        if existing is not None:
            return self._refund(existing)
        try:
            payment = DummyCheckout.objects.select_for_update().get(object_id=payment_id, kind="payment")
        except DummyCheckout.DoesNotExist:
            raise PaymentError(f"No such payment: {payment_id}", code="resource_missing") from None
        data = payment.data
        refunded = Decimal(data["amount_refunded"])
        if data["status"] != "succeeded" or amount <= 0 or refunded + amount > Decimal(data["amount"]):
            raise PaymentError(f"Cannot refund {amount} of payment {payment_id}", code="amount_too_large")
        data["amount_refunded"] = str(refunded + amount)
        payment.save(update_fields=["data", "updated_at"])
        row = DummyCheckout.objects.create(
            object_id=_new_id("re"),
            kind="refund",
            idempotency_key=idempotency_key,
            data={"status": "succeeded", "amount": str(amount), "payment_intent": payment_id, "reason": reason},
        )
        return self._refund(row)

    @staticmethod
    def _refund(row: DummyCheckout) -> RefundResult:
        return RefundResult(id=row.object_id, status=row.data["status"], amount=Decimal(row.data["amount"]))

    # --- invoices ----------------------------------------------------------------------------

    def ensure_customer(
        self,
        *,
        email: str,
        name: str,
        address: BillingAddress | None = None,
        tax_id: str = "",
        language: str = "",
        idempotency_key: str,
    ) -> str:
        return _customer_id(email, name)

    def create_invoice(
        self,
        *,
        customer_email: str,
        customer_name: str,
        lines: Sequence[InvoiceLine],
        currency: str,
        days_until_due: int,
        idempotency_key: str,
        address: BillingAddress | None = None,
        tax_id: str = "",
        number: str = "",
        purchase_order: str = "",
        custom_fields: Sequence[tuple[str, str]] = (),
        footer: str = "",
        metadata: dict[str, str] | None = None,
        language: str = "",
    ) -> ProviderInvoice:
        existing = self._existing("invoice", idempotency_key)
        if existing is not None:
            return self._invoice(existing)
        if days_until_due < 0:
            raise PaymentError("days_until_due must not be negative", code="parameter_invalid_integer")
        fields = list(custom_fields)
        if purchase_order:
            fields.insert(0, (gettext("Purchase order"), purchase_order))
        row = self._store_invoice(
            customer_id=_customer_id(customer_email, customer_name),
            customer_email=customer_email,
            customer_name=customer_name,
            address=address,
            tax_id=tax_id,
            lines=lines,
            currency=currency,
            days_until_due=days_until_due,
            number=number,
            custom_fields=fields,
            footer=footer,
            metadata=metadata or {},
            idempotency_key=idempotency_key,
            status="open",
        )
        return self._invoice(row)

    def _store_invoice(
        self,
        *,
        customer_id: str,
        customer_email: str,
        customer_name: str,
        lines: Sequence[InvoiceLine],
        currency: str,
        days_until_due: int,
        number: str,
        custom_fields: Sequence[tuple[str, str]],
        footer: str,
        metadata: dict[str, str],
        idempotency_key: str,
        status: str,
        address: BillingAddress | None = None,
        tax_id: str = "",
    ) -> DummyCheckout:
        object_id = _new_id("in")
        now = timezone.now()
        total = sum((line.unit_amount * line.quantity for line in lines), Decimal(0))
        paid = status == "paid"
        return DummyCheckout.objects.create(
            object_id=object_id,
            kind="invoice",
            idempotency_key=idempotency_key,
            data={
                "status": status,
                "number": number or f"DUMMY-{object_id[-8:].upper()}",
                "customer_id": customer_id,
                "customer_email": customer_email,
                "customer_name": customer_name,
                "customer_address": [address.line1, address.postal_code, address.city, address.country]
                if address
                else [],
                "customer_tax_id": tax_id,
                "lines": [
                    {"description": line.description, "quantity": line.quantity, "unit_amount": str(line.unit_amount)}
                    for line in lines
                ],
                "currency": currency,
                "amount_due": str(total),
                "amount_paid": str(total if paid else Decimal(0)),
                "due_date": (timezone.localdate(now) + dt.timedelta(days=days_until_due)).isoformat(),
                "paid_at": now.isoformat() if paid else "",
                "paid_out_of_band": False,
                "custom_fields": [list(f) for f in custom_fields],
                "footer": footer,
                "metadata": dict(metadata),
                "hosted_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/")
                + reverse("payments:dummy_invoice", args=[object_id]),
            },
        )

    def retrieve_invoice(self, invoice_id: str) -> ProviderInvoice:
        return self._invoice(self._row(invoice_id, "invoice"))

    def invoice_details(self, invoice_id: str) -> dict:
        """What the hosted invoice page shows: customer, lines, amounts, custom fields, status."""
        return dict(self._row(invoice_id, "invoice").data)

    @transaction.atomic
    def pay_invoice(self, invoice_id: str, *, out_of_band: bool = False) -> ProviderInvoice:
        """The customer's bank transfer arrived (or finance staff recorded one): the invoice is paid."""
        try:
            row = DummyCheckout.objects.select_for_update().get(object_id=invoice_id, kind="invoice")
        except DummyCheckout.DoesNotExist:
            raise PaymentError(f"No such invoice: {invoice_id}", code="resource_missing") from None
        data = row.data
        if data["status"] == "paid":
            return self._invoice(row)
        if data["status"] != "open":
            raise PaymentError(f"Invoice {invoice_id} is {data['status']}: it cannot be paid.", code="invoice_not_open")
        data.update(
            status="paid",
            amount_paid=data["amount_due"],
            paid_at=timezone.now().isoformat(),
            paid_out_of_band=out_of_band,
        )
        row.save(update_fields=["data", "updated_at"])
        return self._invoice(row)

    def mark_invoice_paid_out_of_band(self, invoice_id: str, *, idempotency_key: str) -> ProviderInvoice:
        return self.pay_invoice(invoice_id, out_of_band=True)

    @transaction.atomic
    def set_invoice_status(self, invoice_id: str, status: str) -> ProviderInvoice:
        """What happens on the provider's side outside our calls (tests: ``uncollectible``)."""
        row = DummyCheckout.objects.select_for_update().get(object_id=invoice_id, kind="invoice")
        row.data["status"] = status
        row.save(update_fields=["data", "updated_at"])
        return self._invoice(row)

    @transaction.atomic
    def void_invoice(self, invoice_id: str, *, idempotency_key: str) -> ProviderInvoice:
        try:
            row = DummyCheckout.objects.select_for_update().get(object_id=invoice_id, kind="invoice")
        except DummyCheckout.DoesNotExist:
            raise PaymentError(f"No such invoice: {invoice_id}", code="resource_missing") from None
        if row.data["status"] == "void":
            return self._invoice(row)
        if row.data["status"] not in ("open", "uncollectible"):
            raise PaymentError(
                f"Invoice {invoice_id} is {row.data['status']}: it cannot be voided.", code="invoice_not_open"
            )
        row.data["status"] = "void"
        row.save(update_fields=["data", "updated_at"])
        return self._invoice(row)

    @staticmethod
    def _invoice(row: DummyCheckout) -> ProviderInvoice:
        data = row.data
        return ProviderInvoice(
            id=row.object_id,
            status=data["status"],
            number=data["number"],
            hosted_url=data["hosted_url"],
            pdf_url="",
            amount_due=Decimal(data["amount_due"]),
            amount_paid=Decimal(data["amount_paid"]),
            due_date=dt.date.fromisoformat(data["due_date"]) if data.get("due_date") else None,
            paid_at=dt.datetime.fromisoformat(data["paid_at"]) if data.get("paid_at") else None,
            metadata=dict(data["metadata"]),
        )
