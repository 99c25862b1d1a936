"""Company purchases before payment: quotes (devis) and training agreements (conventions, L6353-1)."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_quote_reference() -> str:
    return "DEV-" + secrets.token_hex(4).upper()


def new_agreement_reference() -> str:
    return "CONV-" + secrets.token_hex(4).upper()


class QuoteStatus(models.TextChoices):
    # Issued, valid until ``valid_until``; the manager may accept it online.
    ISSUED = "issued", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class Quote(models.Model):
    """N places of a session at the employer-funded price, for one organisation.

    The price is frozen when the quote is issued. Accepting it takes the places
    (under the session lock) and creates the order and the training agreement.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True, default=new_quote_reference)
    organisation = models.ForeignKey(
        "enrolments.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="quotes"
    )
    session = models.ForeignKey(
        "courses.Session", verbose_name=_("session"), on_delete=models.PROTECT, related_name="quotes"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="quotes"
    )
    quantity = models.PositiveIntegerField(_("places"))
    # Frozen copy of the price tier (per place).
    price_tier_kind = models.CharField(_("price tier"), max_length=20)
    unit_amount_excl_tax = models.DecimalField(_("unit price excluding VAT"), max_digits=10, decimal_places=2)
    unit_amount_incl_tax = models.DecimalField(_("unit price including VAT"), max_digits=10, decimal_places=2)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=4, decimal_places=2)
    vat_exempt = models.BooleanField(_("VAT exempt"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    status = models.CharField(_("status"), max_length=20, choices=QuoteStatus.choices, default=QuoteStatus.ISSUED)
    issued_at = models.DateTimeField(_("issued"))
    valid_until = models.DateField(_("valid until"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    language = models.CharField(max_length=5, default="fr")
    # The buyer as the quote names it (organisation name, SIRET, VAT, address, contact), frozen.
    buyer = models.JSONField(_("buyer"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["status", "valid_until"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def total_excl_tax(self):
        return self.unit_amount_excl_tax * self.quantity

    @property
    def total_incl_tax(self):
        return self.unit_amount_incl_tax * self.quantity


class Agreement(models.Model):
    """The training agreement (convention de formation, L6353-1) of an accepted quote.

    ``content`` freezes what the course promised when it was signed (title,
    objectives, content, means, hours, dates, place, follow-up and assessment).
    The trainees are read from the order's seats when the PDF is rendered, so
    it names them as they are assigned ("to be named" until then).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True, default=new_agreement_reference)
    quote = models.OneToOneField(Quote, verbose_name=_("quote"), on_delete=models.PROTECT, related_name="agreement")
    order = models.OneToOneField(
        "enrolments.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="agreement"
    )
    organisation = models.ForeignKey(
        "enrolments.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="agreements"
    )
    issued_at = models.DateTimeField(_("issued"))
    language = models.CharField(max_length=5, default="fr")
    content = models.JSONField(_("content"), default=dict)

    class Meta:
        verbose_name = _("training agreement")
        verbose_name_plural = _("training agreements")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.reference
