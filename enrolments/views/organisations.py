"""The company space's entry: my organisations, registering one, asking to join one, its billing details.

``index``, ``create`` and ``join`` are for any signed-in professional;
``edit`` for the organisation's active managers only (``manager_required``).
"""

from __future__ import annotations

import copy

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from enrolments.forms.organisations import JoinForm, OrganisationForm
from enrolments.models import Membership, MembershipStatus, Organisation
from enrolments.services.errors import OrganisationError
from enrolments.services.organisations import membership_request, organisation_create, organisation_update
from enrolments.views.organisation_access import manager_required


def pending_invitations(user) -> QuerySet[Membership]:
    """Invitations waiting for ``user``: sent to their email or to an address they verified."""
    addresses = {user.email} | set(
        EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    )
    match = Q()
    for address in filter(None, addresses):
        match |= Q(email__iexact=address)
    if not match:
        return Membership.objects.none()
    return (
        Membership.objects.filter(match, status=MembershipStatus.INVITED)
        .select_related("organisation", "invited_by")
        .order_by("-updated_at")
    )


def my_memberships(user) -> dict[str, list[Membership]]:
    """The organisations ``user`` manages and the ones they asked to join, with the organisation loaded."""
    rows = (
        Membership.objects.filter(user=user, status__in=(MembershipStatus.ACTIVE, MembershipStatus.REQUESTED))
        .select_related("organisation")
        .order_by("organisation__name")
    )
    grouped: dict[str, list[Membership]] = {"managed": [], "requested": []}
    for membership in rows:
        grouped["managed" if membership.status == MembershipStatus.ACTIVE else "requested"].append(membership)
    return grouped


def safe_next(request: HttpRequest) -> str:
    """The ``next`` page to go back to, only if it is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if allowed else ""


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The organisations I manage (verified or not yet), my join requests and the invitations sent to me."""
    context = {**my_memberships(request.user), "invitations": list(pending_invitations(request.user))}
    return render(request, "enrolments/organisations/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """Register an organisation; its creator becomes its first manager.

    ``next`` (a page of this site, e.g. buying places) is where to go once it is registered.
    """
    next_url = safe_next(request)
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = organisation_create(created_by=request.user, **form.cleaned_data)
        except OrganisationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "%(name)s is registered and you are its manager. You can pay by card now; "
                    "we will verify the organisation within a few working days so it can also pay by invoice."
                )
                % {"name": organisation.name},
            )
            return redirect(next_url or "organisations:index")
    return render(request, "enrolments/organisations/create.html", {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Find an organisation by SIRET and ask its managers to join them (they approve or decline)."""
    if request.method == "POST":
        form = JoinForm(request.POST)
    else:
        form = JoinForm(initial={"siret": request.GET.get("siret", "")[:30]})
    if request.method == "POST" and form.is_valid():
        organisation: Organisation = form.organisation
        try:
            membership_request(organisation=organisation, user=request.user)
        except OrganisationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Your request was sent to the managers of %(name)s. You will get an email when they answer.")
                % {"name": organisation.name},
            )
            return redirect("organisations:index")
    context = {"form": form, "unknown_siret": form.is_bound and form.has_error("siret", "unknown")}
    return render(request, "enrolments/organisations/join.html", context)


@manager_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """The organisation's name, identifiers and billing details, for its managers."""
    # The form gets a copy: validating it writes the typed values onto its instance,
    # and the page around the form must keep showing the saved organisation.
    form = OrganisationForm(request.POST if request.method == "POST" else None, instance=copy.copy(organisation))
    if request.method == "POST" and form.is_valid():
        try:
            organisation_update(organisation=organisation, by=request.user, **form.cleaned_data)
        except OrganisationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The billing details are saved."))
            return redirect("organisations:edit", org=organisation.public_id)
    return render(request, "enrolments/organisations/edit.html", {"organisation": organisation, "form": form})
