"""Organisations (companies and other employers) and the people who manage them."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Opco(models.TextChoices):
    """The eleven French skills operators (opérateurs de compétences) that fund training."""

    AFDAS = "afdas", "Afdas"
    AKTO = "akto", "Akto"
    ATLAS = "atlas", "Atlas"
    CONSTRUCTYS = "constructys", "Constructys"
    OCAPIAT = "ocapiat", "OCAPIAT"
    OPCO_2I = "opco2i", "OPCO 2i"
    OPCO_COMMERCE = "opco_commerce", "L'Opcommerce"
    OPCO_EP = "opco_ep", "OPCO EP"
    OPCO_MOBILITES = "opco_mobilites", "OPCO Mobilités"
    OPCO_SANTE = "opco_sante", "OPCO Santé"
    UNIFORMATION = "uniformation", "Uniformation"


class Organisation(models.Model):
    """A company (or other employer) that buys seats for its employees.

    It pays by card at once; paying by invoice needs staff to have verified it
    (``verified_at``). Its managers are its ACTIVE memberships.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    # Stored compact (14 digits), validated with python-stdnum.
    siret = models.CharField(_("SIRET"), max_length=14, unique=True)
    # Stored compact (e.g. FR40303265045), validated with python-stdnum; optional (associations, public bodies).
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    billing_street_address = models.CharField(_("billing address"), max_length=255)
    billing_postal_code = models.CharField(_("postal code"), max_length=12)
    billing_city = models.CharField(_("city"), max_length=100)
    billing_country = models.CharField(_("country"), max_length=100, default="France")
    billing_contact_name = models.CharField(_("billing contact"), max_length=200)
    billing_contact_email = models.EmailField(_("billing contact email"))
    purchase_order_required = models.BooleanField(
        _("purchase order required"), default=False, help_text=_("Our invoices must quote your purchase order number.")
    )
    opco = models.CharField(_("OPCO"), max_length=20, choices=Opco.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    # Staff checked the organisation exists and may pay by invoice.
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    # Secret of the organisation's iCal feed; regenerating it revokes the old URL.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def billing_address(self) -> str:
        lines = [self.billing_street_address, f"{self.billing_postal_code} {self.billing_city}".strip()]
        return "\n".join(p for p in [*lines, self.billing_country] if p)


class MembershipStatus(models.TextChoices):
    # A manager invited someone by email; the link in the invitation accepts it.
    INVITED = "invited", _("Invited")
    # Someone asked to join; an active manager approves or declines.
    REQUESTED = "requested", _("Asked to join")
    ACTIVE = "active", _("Manager")
    DECLINED = "declined", _("Declined")
    REVOKED = "revoked", _("Removed")


class Membership(models.Model):
    """A person's place among an organisation's managers (HR or team managers).

    An invitation has an ``email`` and a ``token`` but no user until accepted;
    a join request has a user from the start. Only ACTIVE memberships give
    access to the organisation.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="memberships",
        null=True,
        blank=True,
    )
    email = models.EmailField(_("email"))
    status = models.CharField(_("status"), max_length=20, choices=MembershipStatus.choices)
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"],
                condition=Q(status__in=["requested", "active"]),
                name="enrolments_membership_one_live_per_user",
            ),
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(status="invited"),
                name="enrolments_membership_one_invitation_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} @ {self.organisation} ({self.status})"
