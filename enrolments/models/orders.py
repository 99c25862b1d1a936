"""Orders (who buys which place at which price) and their payment schedule."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_order_reference() -> str:
    return "CMD-" + secrets.token_hex(5).upper()


class Funding(models.TextChoices):
    SELF = "self", _("Myself")
    EMPLOYER = "employer", _("My employer")
    FUNDER = "funder", _("A funder (OPCO, France Travail)")
    FREE = "free", _("Free place")


class OrderStatus(models.TextChoices):
    # Waiting for the card (setup) or the payment at checkout.
    PENDING = "pending", _("Awaiting payment details")
    # Card saved or nothing to pay: the schedule runs.
    ACTIVE = "active", _("Active")
    # A company order invoiced for payment by bank transfer (or by its OPCO): seats are usable.
    INVOICED = "invoiced", _("Invoiced, awaiting payment")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentWay(models.TextChoices):
    """How a company pays its order."""

    CARD = "card", _("By card now")
    TRANSFER = "transfer", _("By bank transfer against an invoice")
    OPCO = "opco", _("OPCO subrogation (the OPCO pays its part)")


class Order(models.Model):
    """One purchase: a price tier of a session, frozen at the time of the order.

    Money is a Decimal plus a currency; cents appear only at the Stripe boundary.
    """

    reference = models.CharField(_("reference"), max_length=20, unique=True, default=new_order_reference)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="orders"
    )
    session = models.ForeignKey(
        "courses.Session", verbose_name=_("session"), on_delete=models.PROTECT, related_name="orders"
    )
    funding = models.CharField(_("funding"), max_length=20, choices=Funding.choices)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    # Frozen copy of the price tier.
    price_tier_kind = models.CharField(_("price tier"), max_length=20)
    amount_excl_tax = models.DecimalField(_("total excluding VAT"), max_digits=10, decimal_places=2)
    amount_incl_tax = models.DecimalField(_("total including VAT"), max_digits=10, decimal_places=2)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=4, decimal_places=2)
    vat_exempt = models.BooleanField(_("VAT exempt"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    # The payment provider's references.
    payment_backend = models.CharField(_("payment backend"), max_length=20, blank=True)
    customer_id = models.CharField(max_length=255, blank=True)
    payment_method_id = models.CharField(max_length=255, blank=True)
    checkout_id = models.CharField(max_length=255, blank=True, db_index=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    # --- company orders (seats): set when a quote is accepted -------------------------------
    organisation = models.ForeignKey(
        "enrolments.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="orders",
        null=True,
        blank=True,
    )
    payment_way = models.CharField(_("payment"), max_length=20, choices=PaymentWay.choices, blank=True)
    purchase_order_number = models.CharField(_("purchase order number"), max_length=60, blank=True)
    # OPCO subrogation: the OPCO pays ``opco_amount`` (tax included); the company pays the rest.
    opco = models.CharField(_("OPCO"), max_length=20, blank=True)
    opco_amount = models.DecimalField(_("OPCO share"), max_digits=10, decimal_places=2, null=True, blank=True)
    opco_agreement_number = models.CharField(_("OPCO funding agreement number"), max_length=60, blank=True)
    # Unpaid seats are released on this date (Europe/Paris) unless the order is paid by then.
    release_on = models.DateField(_("released if unpaid on"), null=True, blank=True)
    # One-off notices already sent about this order ({"unpaid_warning_7": "2027-01-02T…", …}).
    notices = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference

    @property
    def vat_amount(self):
        return self.amount_incl_tax - self.amount_excl_tax

    @property
    def is_company_order(self) -> bool:
        return self.organisation_id is not None


class InstalmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    # Claimed by a charging run; the provider call is in flight.
    PROCESSING = "processing", _("Processing")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed, will retry")
    CANCELLED = "cancelled", _("Cancelled")


class Instalment(models.Model):
    """One dated charge of an order's payment schedule (L6353-6)."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveIntegerField(_("number"))
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=20, choices=InstalmentStatus.choices, default=InstalmentStatus.SCHEDULED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    announced_at = models.DateTimeField(_("announced"), null=True, blank=True)
    provider_payment_id = models.CharField(max_length=255, blank=True, db_index=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    amount_refunded = models.DecimalField(_("refunded"), max_digits=10, decimal_places=2, default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # When a charge run claimed it (status PROCESSING): a run that died leaves it there.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["order", "number"]
        constraints = [models.UniqueConstraint(fields=["order", "number"], name="enrolments_instalment_unique_number")]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.order.reference} #{self.number}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Failed")


class Refund(models.Model):
    """Money given back on one paid instalment."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="refunds")
    instalment = models.ForeignKey(Instalment, on_delete=models.CASCADE, related_name="refunds")
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    provider_refund_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.order.reference} −{self.amount}"
