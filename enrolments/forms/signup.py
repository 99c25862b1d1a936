"""Sign-up asks for the person's names as well, since contracts and certificates carry them.

Plugged into allauth with ``ACCOUNT_FORMS = {"signup": "enrolments.forms.signup.SignupForm"}``.
allauth's adapter (``save_user``) copies ``first_name`` and ``last_name`` from the
cleaned data to the new user, so nothing else is needed to save them.
"""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.text import capfirst

from enrolments.models import User


def name_field(name: str, autocomplete: str) -> forms.CharField:
    """A required name field labelled like the model's (Django translates "first name", "last name")."""
    model_field = User._meta.get_field(name)
    return forms.CharField(
        label=capfirst(model_field.verbose_name),
        max_length=model_field.max_length,
        widget=forms.TextInput(attrs={"autocomplete": autocomplete}),
    )


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form (email, password twice) with the first and last names first."""

    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    first_name = name_field("first_name", "given-name")
    last_name = name_field("last_name", "family-name")
