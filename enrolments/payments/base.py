"""Provider-neutral payment interface and the plain dataclasses it returns.

Amounts cross this seam as ``Decimal`` euros; backends convert to cents.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

CENT = Decimal("0.01")


def unit_amount(amount: Decimal, quantity: int) -> Decimal:
    """The price of one of ``quantity`` units totalling ``amount``; refuses fractions of a cent."""
    if quantity < 1:
        raise ValueError(f"quantity must be at least 1, not {quantity}")
    unit = Decimal(amount) / quantity
    if unit != unit.quantize(CENT):
        raise ValueError(f"{amount} is not {quantity} × a whole number of cents")
    return unit.quantize(CENT)


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
    # The provider's invoice of a paid checkout opened with ``create_invoice``.
    invoice_id: str = ""


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
class BillingAddress:
    """A customer's postal address as the provider stores it; ``country`` as people write it ("France")."""

    line1: str
    postal_code: str
    city: str
    country: str = ""


@dataclass(frozen=True)
class InvoiceLine:
    """One line of a provider invoice: ``quantity`` × ``unit_amount`` (tax included, Decimal euros)."""

    description: str
    quantity: int
    unit_amount: Decimal


@dataclass(frozen=True)
class ProviderInvoice:
    """An invoice at the provider, payable by bank transfer (Stripe Invoicing, ``send_invoice``)."""

    id: str
    # "draft" | "open" | "paid" | "uncollectible" | "void"
    status: str
    number: str = ""
    hosted_url: str = ""
    pdf_url: str = ""
    amount_due: Decimal = Decimal(0)
    amount_paid: Decimal = Decimal(0)
    due_date: dt.date | None = None
    paid_at: dt.datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def is_paid(self) -> bool:
        return self.status == "paid"


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
        quantity: int = 1,
        create_invoice: bool = False,
        save_card: bool = True,
        invoice_fields: Sequence[tuple[str, str]] = (),
    ) -> CheckoutSession:
        """Open a hosted checkout. ``setup`` mode saves the card for later off-session charges.

        In ``payment`` mode, ``amount`` is the TOTAL: one line of ``quantity`` units of
        ``amount / quantity`` each (which must be whole cents). ``create_invoice`` has the
        provider issue a paid invoice (``invoice_fields``: its custom fields, e.g. the
        purchase order); ``save_card=False`` takes the payment without keeping the card.
        """

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

    # --- invoices payable by bank transfer -------------------------------------------------------

    @abc.abstractmethod
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
        """The id of the provider's customer named ``name`` at ``email``: found (and updated) or created."""

    @abc.abstractmethod
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
        """Bill the customer (created or reused): invoice items, invoice, finalize, send.

        Payable by bank transfer within ``days_until_due`` days; ``number`` is our own
        gap-free number, so the sale has one invoice number everywhere.
        """

    @abc.abstractmethod
    def retrieve_invoice(self, invoice_id: str) -> ProviderInvoice:
        """The invoice's current state."""

    @abc.abstractmethod
    def mark_invoice_paid_out_of_band(self, invoice_id: str, *, idempotency_key: str) -> ProviderInvoice:
        """Finance staff received the money outside the provider: the invoice is paid."""

    @abc.abstractmethod
    def void_invoice(self, invoice_id: str, *, idempotency_key: str) -> ProviderInvoice:
        """Cancel an open invoice (the order was released or cancelled)."""

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
