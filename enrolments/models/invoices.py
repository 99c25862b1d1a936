"""Invoices and credit notes, with gap-free numbers per year."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .orders import OrderStatus


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoicePayer(models.TextChoices):
    # The buyer: the learner, or the organisation for a company order.
    BUYER = "buyer", _("Buyer")
    # The OPCO paying its share of a company order (subrogation).
    FUNDER = "funder", _("Funder (OPCO)")


class InvoiceSequence(models.Model):
    """The last number issued in a year; locked while the next one is taken."""

    year = models.PositiveIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("invoice sequence")
        verbose_name_plural = _("invoice sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Invoice(models.Model):
    """An issued invoice or credit note. Its content is frozen when issued.

    Buyer, seller and lines are copies, so the document stays the same when a
    profile or a price changes later, or the buyer deletes their account.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    number = models.CharField(_("number"), max_length=20, unique=True)
    year = models.PositiveIntegerField()
    sequence = models.PositiveIntegerField()
    order = models.ForeignKey(
        "enrolments.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="invoices"
    )
    # For a credit note: the invoice it credits and the refund it documents.
    credited_invoice = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes"
    )
    refund = models.OneToOneField(
        "enrolments.Refund", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_note"
    )
    issued_at = models.DateTimeField(_("issued"))
    language = models.CharField(max_length=5, default="fr")
    seller = models.JSONField(_("seller"))
    buyer = models.JSONField(_("buyer"))
    lines = models.JSONField(_("lines"))
    total_excl_tax = models.DecimalField(_("total excluding VAT"), max_digits=10, decimal_places=2)
    total_vat = models.DecimalField(_("VAT"), max_digits=10, decimal_places=2)
    total_incl_tax = models.DecimalField(_("total including VAT"), max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    vat_exempt = models.BooleanField(default=False)
    payment_terms = models.TextField(_("payment terms"), blank=True)
    # Who pays this invoice: an OPCO order has one invoice to the funder and one to the buyer.
    payer = models.CharField(_("payer"), max_length=20, choices=InvoicePayer.choices, default=InvoicePayer.BUYER)
    # Payable by bank transfer: the provider's invoice (hosted page, due date) and when it was paid.
    provider_invoice_id = models.CharField(max_length=255, blank=True, db_index=True)
    hosted_url = models.URLField(_("online invoice"), max_length=2000, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-year", "-sequence"]
        constraints = [models.UniqueConstraint(fields=["year", "sequence"], name="enrolments_invoice_unique_sequence")]

    def __str__(self) -> str:
        return self.number

    @property
    def awaits_payment(self) -> bool:
        """An invoice still to be paid: not a credit note, not paid, its order not cancelled (voided then)."""
        return self.kind == InvoiceKind.INVOICE and self.paid_at is None and self.order.status != OrderStatus.CANCELLED
