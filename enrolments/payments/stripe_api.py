"""The Stripe backend: the only module that imports ``stripe``.

It translates between the provider-neutral dataclasses of ``base`` and
Stripe's API, pinned to one API version. Euros become integer cents here and
nowhere else. Every create call carries an idempotency key, so a retried call
never makes a second object.
"""

from __future__ import annotations

import logging
import time
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings

from .base import CheckoutSession, InvalidWebhook, Payment, PaymentBackend, PaymentError, RefundResult, WebhookEventData

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


def to_cents(amount: Decimal) -> int:
    """12.34 € → 1234. Refuses fractions of a cent instead of rounding money silently."""
    cents = Decimal(amount) * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} has fractions of a cent")
    return int(cents)


def from_cents(cents: int | None) -> Decimal:
    """1234 → Decimal("12.34")."""
    return (Decimal(cents or 0) / 100).quantize(Decimal("0.01"))


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
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": to_cents(amount),
                        "product_data": {"name": description},
                    },
                }
            ]
            # Saves the card given here on the customer, for the next instalments.
            params["payment_intent_data"] = {
                "setup_future_usage": "off_session",
                "metadata": metadata,
                "description": description,
            }
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
