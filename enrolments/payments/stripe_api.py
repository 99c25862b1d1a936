"""The Stripe backend: the only module that imports ``stripe``.

It translates between the provider-neutral dataclasses of ``base`` and
Stripe's API, pinned to one API version. Euros become integer cents here and
nowhere else. Every create call carries an idempotency key, so a retried call
never makes a second object.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from .base import (
    BillingAddress,
    CheckoutSession,
    InvalidWebhook,
    InvoiceLine,
    Payment,
    PaymentBackend,
    PaymentError,
    ProviderInvoice,
    RefundResult,
    WebhookEventData,
    unit_amount,
)

logger = logging.getLogger(__name__)

# The API version the mappings below were written against (stripe 16.1.0's own).
API_VERSION = "2026-10-28.endive"
# Stripe accepts a Checkout expiry between 30 minutes and 24 hours after creation;
# one more minute keeps the request valid despite clock skew and latency.
CHECKOUT_MIN_MINUTES = 31
CHECKOUT_MAX_MINUTES = 24 * 60
CHECKOUT_LOCALES = {"fr", "en"}
# Refund reasons Stripe knows; ours go to metadata.
STRIPE_REFUND_REASON = "requested_by_customer"
# Network trouble and rate limits pass on a retry; so does a bad key or a missing
# permission once fixed: none of them is the customer's fault.
RETRY_LATER = (stripe.APIConnectionError, stripe.RateLimitError, stripe.AuthenticationError, stripe.PermissionError)
REFUND_STATUSES = {"succeeded": "succeeded", "pending": "pending", "requires_action": "pending"}
# B2B transfers: the customer's balance, funded by a SEPA transfer to a French virtual IBAN.
TRANSFER_PAYMENT_SETTINGS = {
    "payment_method_types": ["customer_balance"],
    "payment_method_options": {
        "customer_balance": {
            "funding_type": "bank_transfer",
            "bank_transfer": {"type": "eu_bank_transfer", "eu_bank_transfer": {"country": "FR"}},
        }
    },
}
# Stripe shows at most four custom fields on an invoice; names up to 40 characters, values up to 140.
MAX_CUSTOM_FIELDS = 4
# Stripe needs ISO codes; organisations write their country in words.
COUNTRY_CODES = {"france": "FR", "belgique": "BE", "belgium": "BE", "suisse": "CH", "switzerland": "CH"}


def to_cents(amount: Decimal) -> int:
    """12.34 € → 1234. Refuses fractions of a cent instead of rounding money silently."""
    cents = Decimal(amount) * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} has fractions of a cent")
    return int(cents)


def from_cents(cents: int | None) -> Decimal:
    """1234 → Decimal("12.34")."""
    return (Decimal(cents or 0) / 100).quantize(Decimal("0.01"))


def _country_code(country: str) -> str:
    country = country.strip()
    if len(country) == 2 and country.isalpha():
        return country.upper()
    return COUNTRY_CODES.get(country.lower(), "")


def _address(address: BillingAddress) -> dict[str, str]:
    code = _country_code(address.country)
    params = {"line1": address.line1, "postal_code": address.postal_code, "city": address.city}
    if code:
        params["country"] = code
    elif address.country:
        # No code known: keep the country readable on the invoice rather than lose it.
        params["line2"] = address.country
    return params


def _custom_fields(fields: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name[:40], "value": value[:140]} for name, value in fields if value][:MAX_CUSTOM_FIELDS]


def _date(timestamp: int | None) -> dt.date | None:
    if not timestamp:
        return None
    return timezone.localtime(dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)).date()


def _id(value: Any) -> str:
    """The id of an expandable field, expanded or not."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value["id"]


def _get(obj: Any, key: str) -> Any:
    """A field of a StripeObject (which is not a dict), or None when absent."""
    return getattr(obj, key, None) if obj is not None else None


def _metadata(obj: Any) -> dict[str, str]:
    metadata = _get(obj, "metadata")
    if metadata is None:
        return {}
    values = metadata.to_dict() if hasattr(metadata, "to_dict") else dict(metadata)
    return {str(k): str(v) for k, v in values.items()}


class StripeBackend(PaymentBackend):
    """Stripe Checkout (setup and payment modes), off-session PaymentIntents, refunds and webhooks."""

    name = "stripe"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        webhook_secret: str | None = None,
        http_client: stripe.HTTPClient | None = None,
    ) -> None:
        self.client = stripe.StripeClient(
            api_key if api_key is not None else settings.STRIPE_SECRET_KEY,
            stripe_version=API_VERSION,
            http_client=http_client,
            # Safe with idempotency keys: a retried create returns the first object.
            max_network_retries=2,
        )
        self.webhook_secret = webhook_secret if webhook_secret is not None else settings.STRIPE_WEBHOOK_SECRET

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
        if mode not in ("setup", "payment"):
            raise ValueError(f"unknown checkout mode {mode!r}")
        customer = customer_id or self._customer_for(email=customer_email, idempotency_key=idempotency_key)
        minutes = min(max(expires_in_minutes, CHECKOUT_MIN_MINUTES), CHECKOUT_MAX_MINUTES)
        params: dict[str, Any] = {
            "mode": mode,
            "currency": currency.lower(),
            "customer": customer,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "metadata": metadata,
            "expires_at": int(time.time()) + minutes * 60,
        }
        if metadata.get("language") in CHECKOUT_LOCALES:
            params["locale"] = metadata["language"]
        if mode == "setup":
            params["setup_intent_data"] = {"metadata": metadata, "description": description}
        else:
            params["line_items"] = [
                {
                    "quantity": quantity,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": to_cents(unit_amount(amount, quantity)),
                        "product_data": {"name": description},
                    },
                }
            ]
            params["payment_intent_data"] = {"metadata": metadata, "description": description}
            if save_card:
                # Saves the card given here on the customer, for the next instalments.
                params["payment_intent_data"]["setup_future_usage"] = "off_session"
            if create_invoice:
                # A paid invoice (receipt) for a business buyer, with its purchase order.
                invoice_data: dict[str, Any] = {"metadata": metadata, "description": description}
                if fields := _custom_fields(invoice_fields):
                    invoice_data["custom_fields"] = fields
                params["invoice_creation"] = {"enabled": True, "invoice_data": invoice_data}
        session = self._call(
            "checkout.create",
            lambda: self.client.v1.checkout.sessions.create(params, {"idempotency_key": idempotency_key}),
            idempotency_key=idempotency_key,
        )
        logger.info(
            "stripe checkout created",
            extra={
                "checkout_id": session.id,
                "mode": mode,
                "customer_id": customer,
                "idempotency_key": idempotency_key,
            },
        )
        return self._checkout(session)

    def _customer_for(self, *, email: str, idempotency_key: str) -> str:
        """The Customer with this email, created if there is none yet."""
        found = self._call("customer.list", lambda: self.client.v1.customers.list({"email": email, "limit": 1}))
        if found.data:
            return found.data[0].id
        key = f"{idempotency_key}-customer"
        customer = self._call(
            "customer.create",
            lambda: self.client.v1.customers.create({"email": email}, {"idempotency_key": key}),
            idempotency_key=key,
        )
        return customer.id

    def retrieve_checkout(self, checkout_id: str) -> CheckoutSession:
        session = self._call(
            "checkout.retrieve",
            lambda: self.client.v1.checkout.sessions.retrieve(
                checkout_id, {"expand": ["setup_intent", "payment_intent"]}
            ),
        )
        return self._checkout(session)

    def _checkout(self, session: Any) -> CheckoutSession:
        intent = _get(session, "setup_intent") if session.mode == "setup" else _get(session, "payment_intent")
        payment_method = _get(intent, "payment_method") if intent is not None and not isinstance(intent, str) else None
        return CheckoutSession(
            id=session.id,
            url=_get(session, "url") or "",
            mode=session.mode,
            status=_get(session, "status") or "",
            payment_status=_get(session, "payment_status") or "",
            customer_id=_id(_get(session, "customer")),
            payment_method_id=_id(payment_method),
            payment_intent_id=_id(_get(session, "payment_intent")),
            amount=from_cents(_get(session, "amount_total")) if session.mode == "payment" else None,
            metadata=_metadata(session),
            invoice_id=_id(_get(session, "invoice")),
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
        params = {
            "amount": to_cents(amount),
            "currency": currency.lower(),
            "customer": customer_id,
            "payment_method": payment_method_id,
            "confirm": True,
            "off_session": True,
            # Nobody is there to follow a redirect: only methods that need none.
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
            "description": description,
            "metadata": metadata,
        }
        try:
            intent = self.client.v1.payment_intents.create(params, {"idempotency_key": idempotency_key})
        except stripe.CardError as error:
            # A decline is an answer, not a failure of ours: the PaymentIntent comes with the error.
            intent = error.error.payment_intent if error.error is not None else None
            message = error.user_message or str(error)
            logger.info(
                "stripe off-session charge declined",
                extra={"code": error.code, "payment_id": _id(intent), "idempotency_key": idempotency_key},
            )
            return Payment(
                id=_id(intent),
                status=(_get(intent, "status") if intent is not None else None) or "requires_payment_method",
                amount=from_cents(_get(intent, "amount")) if intent is not None else amount,
                failure_message=message,
                metadata=_metadata(intent),
            )
        except stripe.StripeError as error:
            raise self._payment_error("payment_intent.create", error, idempotency_key) from error
        payment = self._payment(intent)
        logger.info(
            "stripe off-session charge",
            extra={"payment_id": payment.id, "status": payment.status, "idempotency_key": idempotency_key},
        )
        return payment

    def retrieve_payment(self, payment_id: str) -> Payment:
        intent = self._call(
            "payment_intent.retrieve",
            # The latest charge carries what was refunded.
            lambda: self.client.v1.payment_intents.retrieve(payment_id, {"expand": ["latest_charge"]}),
        )
        return self._payment(intent)

    def _payment(self, intent: Any) -> Payment:
        charge = _get(intent, "latest_charge")
        refunded = _get(charge, "amount_refunded") if charge is not None and not isinstance(charge, str) else 0
        error = _get(intent, "last_payment_error")
        return Payment(
            id=intent.id,
            status=intent.status,
            amount=from_cents(intent.amount),
            amount_refunded=from_cents(refunded),
            failure_message=(_get(error, "message") or "") if error is not None else "",
            metadata=_metadata(intent),
        )

    def refund(self, *, payment_id: str, amount: Decimal, idempotency_key: str, reason: str = "") -> RefundResult:
        params = {
            "payment_intent": payment_id,
            "amount": to_cents(amount),
            "reason": STRIPE_REFUND_REASON,
            "metadata": {"reason": reason[:500]},
        }
        refund = self._call(
            "refund.create",
            lambda: self.client.v1.refunds.create(params, {"idempotency_key": idempotency_key}),
            idempotency_key=idempotency_key,
        )
        logger.info(
            "stripe refund",
            extra={"refund_id": refund.id, "payment_id": payment_id, "status": refund.status},
        )
        return RefundResult(
            id=refund.id, status=REFUND_STATUSES.get(refund.status or "", "failed"), amount=from_cents(refund.amount)
        )

    # --- invoices payable by bank transfer ---------------------------------------------------

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
        # One email may bill several names (a company and, for subrogation, its OPCO): match both.
        found = self._call("customer.list", lambda: self.client.v1.customers.list({"email": email, "limit": 100}))
        existing = next((c for c in found.data if (_get(c, "name") or "") == name), None)
        details: dict[str, Any] = {"name": name}
        if address is not None:
            details["address"] = _address(address)
        if language in CHECKOUT_LOCALES:
            details["preferred_locales"] = [language]
        if existing is not None:
            # The invoice copies the customer's details when finalized: keep them current.
            self._call(
                "customer.update",
                lambda: self.client.v1.customers.update(
                    existing.id, details, {"idempotency_key": f"{idempotency_key}-customer-update"}
                ),
                idempotency_key=idempotency_key,
            )
            return existing.id
        params = {"email": email, **details}
        if tax_id:
            params["tax_id_data"] = [{"type": "eu_vat", "value": tax_id}]
        key = f"{idempotency_key}-customer"
        customer = self._call(
            "customer.create",
            lambda: self.client.v1.customers.create(params, {"idempotency_key": key}),
            idempotency_key=key,
        )
        return customer.id

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
        customer = self.ensure_customer(
            email=customer_email,
            name=customer_name,
            address=address,
            tax_id=tax_id,
            language=language,
            idempotency_key=idempotency_key,
        )
        fields = (
            [(gettext("Purchase order"), purchase_order), *custom_fields] if purchase_order else list(custom_fields)
        )
        params: dict[str, Any] = {
            "customer": customer,
            "currency": currency.lower(),
            "collection_method": "send_invoice",
            "days_until_due": days_until_due,
            # We finalize and send it ourselves, once its lines are added.
            "auto_advance": False,
            "pending_invoice_items_behavior": "exclude",
            "payment_settings": TRANSFER_PAYMENT_SETTINGS,
            "metadata": metadata or {},
        }
        if number:
            # Our own gap-free number: one sale, one invoice number.
            params["number"] = number
        if fields := _custom_fields(fields):
            params["custom_fields"] = fields
        if footer:
            params["footer"] = footer
        key = f"{idempotency_key}-invoice"
        invoice = self._call(
            "invoice.create",
            lambda: self.client.v1.invoices.create(params, {"idempotency_key": key}),
            idempotency_key=key,
        )
        for index, line in enumerate(lines):
            item = {
                "customer": customer,
                "invoice": invoice.id,
                "currency": currency.lower(),
                "description": line.description,
                "quantity": line.quantity,
                "unit_amount_decimal": str(to_cents(line.unit_amount)),
            }
            item_key = f"{idempotency_key}-item-{index}"
            self._call(
                "invoiceitem.create",
                lambda item=item, item_key=item_key: self.client.v1.invoice_items.create(
                    item, {"idempotency_key": item_key}
                ),
                idempotency_key=item_key,
            )
        finalize_key = f"{idempotency_key}-finalize"
        self._call(
            "invoice.finalize",
            lambda: self.client.v1.invoices.finalize_invoice(
                invoice.id, {"auto_advance": False}, {"idempotency_key": finalize_key}
            ),
            idempotency_key=finalize_key,
        )
        send_key = f"{idempotency_key}-send"
        sent = self._call(
            "invoice.send",
            lambda: self.client.v1.invoices.send_invoice(invoice.id, None, {"idempotency_key": send_key}),
            idempotency_key=send_key,
        )
        logger.info(
            "stripe invoice sent",
            extra={"invoice_id": sent.id, "number": sent.number, "idempotency_key": idempotency_key},
        )
        return self._invoice(sent)

    def retrieve_invoice(self, invoice_id: str) -> ProviderInvoice:
        invoice = self._call("invoice.retrieve", lambda: self.client.v1.invoices.retrieve(invoice_id))
        return self._invoice(invoice)

    def mark_invoice_paid_out_of_band(self, invoice_id: str, *, idempotency_key: str) -> ProviderInvoice:
        invoice = self._call(
            "invoice.pay",
            lambda: self.client.v1.invoices.pay(
                invoice_id, {"paid_out_of_band": True}, {"idempotency_key": idempotency_key}
            ),
            idempotency_key=idempotency_key,
        )
        return self._invoice(invoice)

    def void_invoice(self, invoice_id: str, *, idempotency_key: str) -> ProviderInvoice:
        invoice = self._call(
            "invoice.void",
            lambda: self.client.v1.invoices.void_invoice(invoice_id, None, {"idempotency_key": idempotency_key}),
            idempotency_key=idempotency_key,
        )
        return self._invoice(invoice)

    @staticmethod
    def _invoice(invoice: Any) -> ProviderInvoice:
        transitions = _get(invoice, "status_transitions")
        paid_at = _get(transitions, "paid_at") if transitions is not None else None
        return ProviderInvoice(
            id=invoice.id,
            status=_get(invoice, "status") or "",
            number=_get(invoice, "number") or "",
            hosted_url=_get(invoice, "hosted_invoice_url") or "",
            pdf_url=_get(invoice, "invoice_pdf") or "",
            amount_due=from_cents(_get(invoice, "amount_due")),
            amount_paid=from_cents(_get(invoice, "amount_paid")),
            due_date=_date(_get(invoice, "due_date")),
            paid_at=dt.datetime.fromtimestamp(paid_at, tz=dt.UTC) if paid_at else None,
            metadata=_metadata(invoice),
        )

    # --- webhooks --------------------------------------------------------------------------

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEventData:
        signature = next((v for k, v in headers.items() if k.lower() == "stripe-signature"), None)
        try:
            event = self.client.construct_event(body, signature, self.webhook_secret)
        except stripe.SignatureVerificationError as error:
            raise InvalidWebhook(str(error)) from error
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidWebhook("unreadable webhook payload") from error
        obj = event.data.object
        return WebhookEventData(
            id=event.id,
            type=event.type,
            object_type=_get(obj, "object") or "",
            object_id=_get(obj, "id") or "",
            data=obj.to_dict(),
        )

    # --- errors ----------------------------------------------------------------------------

    def _call(self, operation: str, call, *, idempotency_key: str = ""):
        try:
            return call()
        except stripe.StripeError as error:
            raise self._payment_error(operation, error, idempotency_key) from error

    @staticmethod
    def _payment_error(operation: str, error: stripe.StripeError, idempotency_key: str) -> PaymentError:
        # Conflicts and Stripe's own errors (5xx) may pass on a retry too.
        transient = isinstance(error, RETRY_LATER) or (
            error.http_status is not None and (error.http_status >= 500 or error.http_status == 409)
        )
        logger.warning(
            "stripe call failed",
            extra={
                "operation": operation,
                "code": error.code or "",
                "http_status": error.http_status,
                "request_id": error.request_id,
                "transient": transient,
                "idempotency_key": idempotency_key,
            },
        )
        return PaymentError(error.user_message or str(error), code=error.code or "", transient=transient)
