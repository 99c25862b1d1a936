"""The signed-in person's own profile page (names, postal address, professional situation)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from enrolments.forms.profile import ProfileForm


def safe_next_url(request: HttpRequest) -> str:
    """The ``next`` the page was given, if it stays on this site; else ""."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Anyone signed in edits their own profile, then goes back where they came from (``?next=``)."""
    next_url = safe_next_url(request)
    # Read before the form runs: a refused form still copies its valid values onto the instance.
    legal_profile_missing = not request.user.has_legal_profile
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            form.save()
            messages.success(request, _("Your profile has been saved."))
            return redirect(next_url or reverse("account_profile:edit"))
    else:
        form = ProfileForm(instance=request.user)
    return render(
        request,
        "enrolments/profile.html",
        {"form": form, "next_url": next_url, "legal_profile_missing": legal_profile_missing},
    )
