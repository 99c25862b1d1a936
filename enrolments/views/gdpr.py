"""The person's GDPR rights in their space: a copy of their data, and deleting their account.

Access policy: signed-in people, for their own account only.
"""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_safe

from catalogue.templatetags.catalogue_tags import home_url
from enrolments.services.accounts import account_delete, live_enrolments, personal_data
from enrolments.services.errors import EnrolmentError


@login_required
@require_safe
@cache_control(private=True, no_store=True)
def export(request: HttpRequest) -> HttpResponse:
    """``mes-donnees.json``: everything held about the person, as a JSON file."""
    data = personal_data(user=request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"allys-formation-mes-donnees-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class DeletionForm(forms.Form):
    """The password again: deleting cannot be undone, and a left-open session should not allow it."""

    password = forms.CharField(label=gettext_lazy("Your password"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        if not user.has_usable_password():
            # Nothing to check against (an account made without a password).
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    """Delete my account: what goes, what stays (invoices), then the password to confirm."""
    user = request.user
    form = DeletionForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            account_delete(user=user)
        except EnrolmentError as error:
            messages.error(request, error.message)
        else:
            logout(request)
            messages.success(request, _("Your account is deleted. Thank you for training with us."))
            return redirect(home_url(translation.get_language() or settings.LANGUAGE_CODE))
    context = {"form": form, "live": live_enrolments(user=user, now=timezone.now())}
    return render(request, "enrolments/dashboard/account_delete.html", context)
