"""The dummy backend: a provider kept in the database, for the demo and offline tests.

Its objects (checkouts ``cs_dummy_…``, payments ``pi_dummy_…``, refunds
``re_dummy_…``) are ``DummyCheckout`` rows whose ``data`` looks like what a
provider returns. Its checkout page is a local view with three buttons:
succeed, succeed but decline later charges (saves ``pm_dummy_declines``), fail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from enrolments.models import DummyCheckout

from .base import CheckoutSession, Payment, PaymentBackend, PaymentError, RefundResult

DECLINING_CARD = "pm_dummy_declines"
OUTCOMES = ("succeed", "succeed_declines_later", "fail")


def _new_id(prefix: str) -> str:
    return f"{prefix}_dummy_{secrets.token_hex(12)}"


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
    ) -> CheckoutSession:
        existing = self._existing("checkout", idempotency_key)
        if existing is not None:
            return self._checkout(existing)
        object_id = _new_id("cs")
        email_hash = hashlib.sha256(customer_email.lower().encode()).hexdigest()[:16]
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
                "customer_id": customer_id or f"cus_dummy_{email_hash}",
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
        data.update(status="complete", payment_method_id=card, last_error="")
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
        row.save(update_fields=["data", "updated_at"])
        return self._checkout(row)

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
