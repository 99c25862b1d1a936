"""Forms of the enrolment flow: who pays, what the learner accepts, a quote request."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from enrolments.models import Funding, FundingRequestKind

FUNDING_LABELS = {
    Funding.SELF: _("Myself: I pay by card, nothing is charged during my 10-day withdrawal period"),
    Funding.EMPLOYER: _("My employer: send my employer a quote"),
    Funding.FUNDER: _("A funder (OPCO, France Travail): ask the training team for a quote for my funder"),
    Funding.FREE: _("A free place (staff of a partner institution)"),
}


class FundingChoiceForm(forms.Form):
    """Who pays for the place; the free place is offered only to partner staff."""

    funding = forms.ChoiceField(
        label=_("Who pays for this training?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose who pays."), "invalid_choice": _("Please choose who pays.")},
    )

    def __init__(self, *args, allow_free: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        kinds = [Funding.SELF, Funding.EMPLOYER, Funding.FUNDER] + ([Funding.FREE] if allow_free else [])
        self.fields["funding"].choices = [(kind.value, FUNDING_LABELS[kind]) for kind in kinds]


class AcceptanceForm(forms.Form):
    """The explicit acceptances asked before a place is held (L6353-8, L6353-5).

    The ids of the texts shown travel with the form, so the enrolment points at
    the exact versions the learner read, and a text published meanwhile is
    shown again instead of being accepted unseen.
    """

    funding = forms.ChoiceField(
        choices=[(Funding.SELF, Funding.SELF), (Funding.FREE, Funding.FREE)], widget=forms.HiddenInput
    )
    terms_id = forms.IntegerField(widget=forms.HiddenInput)
    internal_rules_id = forms.IntegerField(widget=forms.HiddenInput)
    accept_terms = forms.BooleanField(
        label=_("I have read and accept the terms of sale, including the price and the cancellation terms."),
        error_messages={"required": _("Please accept the terms of sale to enrol.")},
    )
    accept_internal_rules = forms.BooleanField(
        label=_("I have read and accept the internal rules."),
        error_messages={"required": _("Please accept the internal rules to enrol.")},
    )
    early_start_consent = forms.BooleanField(
        label=_("I agree that the training starts before my 10-day withdrawal period ends."),
        help_text=_("This course starts within 10 days. You keep your right to withdraw until the period ends."),
        error_messages={
            "required": _("This course starts before your withdrawal period ends: please agree to start early.")
        },
    )

    def __init__(self, *args, early_start_required: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not early_start_required:
            del self.fields["early_start_consent"]


class FundingRequestForm(forms.Form):
    """A quote request for an employer or a funder."""

    kind = forms.ChoiceField(
        label=_("Who should the quote go to?"),
        choices=[
            (FundingRequestKind.EMPLOYER.value, _("My employer")),
            (FundingRequestKind.FUNDER.value, _("A funder (OPCO, France Travail)")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose who the quote goes to.")},
    )
    organisation_name = forms.CharField(
        label=_("Name of the employer or funder"),
        max_length=200,
        error_messages={"required": _("Please give the name of the employer or funder.")},
    )
    contact_email = forms.EmailField(
        label=_("Email of the person who approves the training"),
        required=False,
        help_text=_("Required for an employer: we send them the quote. For a funder, our team contacts it."),
        error_messages={"invalid": _("Please give a valid email address.")},
    )
    message = forms.CharField(
        label=_("Message (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A purchase-order number, your funder's file number, anything that helps."),
    )

    def clean(self) -> dict:
        data = super().clean()
        if (
            data.get("kind") == FundingRequestKind.EMPLOYER
            and not data.get("contact_email")
            and not self.has_error("contact_email")
        ):
            self.add_error(
                "contact_email",
                _("Please give the email address of the person at your employer who approves training."),
            )
        return data
