"""Provider-neutral payment interface and the plain dataclasses it returns.

Amounts cross this seam as ``Decimal`` euros; backends convert to cents.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


class PaymentError(Exception):
    """The provider refused or failed; ``message`` is safe to show to staff."""

    def __init__(self, message: str, *, code: str = "", transient: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.transient = transient


class InvalidWebhook(Exception):
    """A webhook whose signature or payload cannot be trusted."""


@dataclass(frozen=True)
class CheckoutSession:
    """A hosted checkout page: ``setup`` saves a card, ``payment`` takes money now."""

    id: str
    url: str
    mode: str  # "setup" | "payment"
    # "open" | "complete" | "expired"
    status: str
    # "paid" | "unpaid" | "no_payment_required"
    payment_status: str
    customer_id: str = ""
    payment_method_id: str = ""
    payment_intent_id: str = ""
    amount: Decimal | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Payment:
    """An off-session charge (a PaymentIntent)."""

    id: str
    # "succeeded" | "processing" | "requires_action" | "requires_payment_method" | "canceled"
    status: str
    amount: Decimal
    amount_refunded: Decimal = Decimal(0)
    failure_message: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


@dataclass(frozen=True)
class RefundResult:
    id: str
    status: str  # "succeeded" | "pending" | "failed"
    amount: Decimal


@dataclass(frozen=True)
class WebhookEventData:
    """A verified provider event: its id, type and the id of the object it is about."""

    id: str
    type: str
    object_type: str
    object_id: str
    data: dict = field(default_factory=dict)


class PaymentBackend(abc.ABC):
    """What the enrolment services need from a payment provider."""

    name: str

    @abc.abstractmethod
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
        """Open a hosted checkout. ``setup`` mode saves the card for later off-session charges."""

    @abc.abstractmethod
    def retrieve_checkout(self, checkout_id: str) -> CheckoutSession:
        """The checkout's current state, straight from the provider."""

    @abc.abstractmethod
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
        """Charge a saved card without the customer present. Declines come back as a Payment, not an exception."""

    @abc.abstractmethod
    def retrieve_payment(self, payment_id: str) -> Payment:
        """The payment's current state."""

    @abc.abstractmethod
    def refund(self, *, payment_id: str, amount: Decimal, idempotency_key: str, reason: str = "") -> RefundResult:
        """Give back part or all of a payment."""

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> WebhookEventData:
        """Verify and parse a webhook; raise InvalidWebhook when it cannot be trusted."""
        raise InvalidWebhook("this backend receives no webhooks")


BACKENDS = {
    "dummy": "enrolments.payments.dummy.DummyBackend",
    "stripe": "enrolments.payments.stripe_api.StripeBackend",
}


@cache
def _backend(name: str) -> PaymentBackend:
    return import_string(BACKENDS[name])()


def get_backend(name: str | None = None) -> PaymentBackend:
    """The configured backend (``settings.PAYMENT_BACKEND``), or a named one for an existing order."""
    return _backend(name or settings.PAYMENT_BACKEND)


def reset_backends() -> None:
    """Forget built backends (tests that change settings)."""
    _backend.cache_clear()
