"""The profile a learner keeps up to date: who they are and where to write to them.

Training contracts (L6353-3), agreements and invoices name and address the
person, so names and postal address are required here even though the model
lets them be blank (an account may exist before the person enrols).
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from enrolments.models import User
from enrolments.models.accounts import PROFILE_FIELDS

# How people write France in the country field.
FRANCE_NAMES = {"france", "fr", "fra", "france métropolitaine"}
FRENCH_POSTAL_CODE = re.compile(r"\d{5}")
# Digits with the usual separators, an optional leading "+"; at least 6 digits.
PHONE = re.compile(r"\+?[\d\s.()-]+")
PHONE_MIN_DIGITS = 6

POSTAL_CODE_ERROR = _("A French postal code has 5 digits, for example 69007.")
PHONE_ERROR = _("Enter a phone number with digits only, for example 06 12 34 56 78 or +33 6 12 34 56 78.")

# Fields the legal documents need; the model allows them blank.
REQUIRED_FIELDS = ("first_name", "last_name", "street_address", "postal_code", "city", "country")


def is_france(country: str) -> bool:
    return country.strip().casefold() in FRANCE_NAMES


class ProfileForm(forms.ModelForm):
    """Civility, names, postal address, phone and professional situation of the signed-in user."""

    class Meta:
        model = User
        fields = PROFILE_FIELDS
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "street_address": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "country": forms.TextInput(attrs={"autocomplete": "country-name"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "employer_name": forms.TextInput(attrs={"autocomplete": "organization"}),
        }
        help_texts = {
            "street_address": _("Number and street, as on your mail."),
            "employer_name": _("If your employer funds or allows the training."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in REQUIRED_FIELDS:
            self.fields[name].required = True
        # Say what the empty choice means instead of Django's "---------".
        for name in ("civility", "professional_status"):
            field = self.fields[name]
            field.choices = [("", _("Choose…")), *(choice for choice in field.choices if choice[0])]

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if phone and (not PHONE.fullmatch(phone) or sum(c.isdigit() for c in phone) < PHONE_MIN_DIGITS):
            raise forms.ValidationError(PHONE_ERROR, code="invalid_phone")
        return phone

    def clean(self) -> dict:
        cleaned = super().clean()
        postal_code = cleaned.get("postal_code")
        country = cleaned.get("country")
        if postal_code and country and is_france(country):
            # "69 007" is a French postal code written with a space.
            compact = postal_code.replace(" ", "")
            if FRENCH_POSTAL_CODE.fullmatch(compact):
                cleaned["postal_code"] = compact
            else:
                self.add_error("postal_code", forms.ValidationError(POSTAL_CODE_ERROR, code="invalid_postal_code"))
        return cleaned
