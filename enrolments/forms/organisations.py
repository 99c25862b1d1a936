"""Forms of the company space: an organisation's details, asking to join one, inviting a manager.

SIRET and VAT numbers are accepted as people type them (spaces, dots,
dashes) and checked with python-stdnum; the compact form is what is saved.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from enrolments.models import Organisation
from enrolments.services.errors import OrganisationError
from enrolments.services.organisations import SIRET_TAKEN, siret_compact, vat_number_compact


def _siret_field() -> forms.CharField:
    # Longer than the 14 stored digits: "732 829 320 00074" is typed with its spaces.
    return forms.CharField(
        label=_("SIRET"),
        max_length=30,
        help_text=_("The 14 digits of the establishment that pays, as on its invoices or Kbis extract."),
        error_messages={"required": _("Please give the SIRET number.")},
    )


def clean_siret_value(value: str) -> str:
    try:
        return siret_compact(value)
    except OrganisationError as error:
        raise forms.ValidationError(error.message, code="invalid") from error


class OrganisationForm(forms.ModelForm):
    """An organisation's name, identifiers and billing details (creating it, or its managers editing it).

    A verified organisation's SIRET is shown but cannot be changed. When the
    SIRET is already registered, ``existing_organisation`` is set so the page
    can offer to ask to join it instead.
    """

    siret = _siret_field()
    vat_number = forms.CharField(
        label=_("Intra-community VAT number"),
        max_length=30,
        required=False,
        help_text=_("For example FR40303265045. Leave it empty if your organisation has none."),
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "siret",
            "vat_number",
            "billing_street_address",
            "billing_postal_code",
            "billing_city",
            "billing_country",
            "billing_contact_name",
            "billing_contact_email",
            "purchase_order_required",
            "opco",
        ]
        labels = {
            "name": _("Name of the organisation"),
            "billing_street_address": _("Billing address"),
            "billing_contact_name": _("Billing contact (person or department)"),
            "billing_contact_email": _("Billing contact email"),
            "purchase_order_required": _("Our invoices must quote a purchase order number"),
        }
        help_texts = {
            "billing_contact_email": _("Invoices and payment reminders are sent to this address."),
            "purchase_order_required": _("Tick it if your accounts department pays only invoices quoting one."),
            "opco": _("The skills operator (OPCO) your organisation pays into, if it may fund the training."),
        }
        error_messages = {
            "name": {"required": _("Please give the name of the organisation.")},
            "billing_street_address": {"required": _("Please give the billing address.")},
            "billing_postal_code": {"required": _("Please give the postal code.")},
            "billing_city": {"required": _("Please give the city.")},
            "billing_country": {"required": _("Please give the country.")},
            "billing_contact_name": {"required": _("Please give who receives the invoices.")},
            "billing_contact_email": {
                "required": _("Please give the email address invoices are sent to."),
                "invalid": _("Please give a valid email address."),
            },
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.existing_organisation: Organisation | None = None
        self.fields["opco"].choices = [("", _("None or not known"))] + list(self.fields["opco"].choices)[1:]
        if self.instance.pk and self.instance.is_verified:
            self.fields["siret"].disabled = True
            self.fields["siret"].help_text = _(
                "We verified your organisation with this SIRET: contact us to change it."
            )

    def clean_siret(self) -> str:
        siret = clean_siret_value(self.cleaned_data["siret"])
        existing = Organisation.objects.filter(siret=siret).exclude(pk=self.instance.pk).first()
        if existing is not None:
            self.existing_organisation = existing
            raise forms.ValidationError(SIRET_TAKEN, code="duplicate")
        return siret

    def clean_vat_number(self) -> str:
        try:
            return vat_number_compact(self.cleaned_data.get("vat_number", ""))
        except OrganisationError as error:
            raise forms.ValidationError(error.message, code="invalid") from error


class JoinForm(forms.Form):
    """Find an organisation by its SIRET, to ask its managers to let you join."""

    siret = _siret_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisation: Organisation | None = None
        self.fields["siret"].help_text = _("The 14 digits of your organisation's SIRET; spaces are fine.")

    def clean_siret(self) -> str:
        siret = clean_siret_value(self.cleaned_data["siret"])
        self.organisation = Organisation.objects.filter(siret=siret).first()
        if self.organisation is None:
            raise forms.ValidationError(
                _("No organisation with this SIRET is registered yet: you can create it."), code="unknown"
            )
        return siret


class InviteForm(forms.Form):
    """The email address of a colleague to invite as a manager."""

    email = forms.EmailField(
        label=_("Email address of the person to invite"),
        help_text=_("They get a link to accept, after signing in or creating an account with this address."),
        error_messages={
            "required": _("Please give an email address."),
            "invalid": _("Please give a valid email address."),
        },
    )
