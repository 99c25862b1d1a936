"""Booking places of a session for a team: how many, and for which organisation."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from enrolments.models import Organisation


class SeatPurchaseForm(forms.Form):
    """The number of places (no more than the places left) and, for a manager of several, the organisation."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation that pays"),
        queryset=Organisation.objects.none(),
        to_field_name="public_id",
        empty_label=None,
        error_messages={
            "required": _("Please choose the organisation that pays."),
            "invalid_choice": _("Please choose one of the organisations you manage."),
        },
    )
    quantity = forms.IntegerField(
        label=_("Number of places"),
        min_value=1,
        help_text=_("You name the employees later, from your organisation's space."),
        error_messages={
            "required": _("Please enter the number of places."),
            "invalid": _("Please enter a whole number."),
            "min_value": _("Please book at least one place."),
        },
    )

    def __init__(self, *args, organisations: QuerySet[Organisation], places_left: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.places_left = places_left
        self.fields["organisation"].queryset = organisations
        self.fields["quantity"].widget.attrs.update({"min": 1, "max": max(places_left, 1), "inputmode": "numeric"})
        if len(organisations) == 1:
            # Nothing to choose: the one organisation they manage buys.
            self.fields["organisation"].initial = organisations[0].public_id
            self.fields["organisation"].widget = forms.HiddenInput()

    def clean_quantity(self) -> int:
        quantity = self.cleaned_data["quantity"]
        if quantity > self.places_left:
            raise forms.ValidationError(
                ngettext(
                    "Only %(count)d place is left in this session.",
                    "Only %(count)d places are left in this session.",
                    self.places_left,
                )
                % {"count": self.places_left},
                code="max_value",
            )
        return quantity
