"""The form to create a personal API token on the dashboard."""

from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken

#: Live tokens a person may hold at once: enough for a few integrations, not a leak factory.
MAX_ACTIVE_TOKENS = 20


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ("name", "scope")
        widgets = {"scope": forms.RadioSelect}
        help_texts = {"scope": _("A read-only token can read your data but not change anything.")}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give this token a name."), code="required")
        return name

    def clean(self) -> dict:
        cleaned = super().clean()
        if ApiToken.objects.filter(user=self.user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
            raise forms.ValidationError(
                _("You already have %(count)d active tokens: revoke one you no longer use first."),
                code="too_many",
                params={"count": MAX_ACTIVE_TOKENS},
            )
        return cleaned
