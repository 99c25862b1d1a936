"""An organisation's managers: who they are, join requests, invitations, and accepting one.

``members`` and ``decide`` are for the organisation's active managers only
(``manager_required``); memberships are looked up within the organisation,
so another organisation's manager gets a 404. ``accept_invitation`` is for
the signed-in person the invitation was sent to.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from enrolments.forms.organisations import InviteForm
from enrolments.models import Membership, MembershipStatus, Organisation
from enrolments.services.errors import OrganisationError
from enrolments.services.organisations import (
    invitation_accept,
    invitation_matches,
    manager_invite,
    manager_remove,
    membership_decide,
)
from enrolments.views.organisation_access import manager_required, organisation_object

SHOWN_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.REQUESTED, MembershipStatus.INVITED)


def organisation_members(organisation: Organisation) -> dict[str, list[Membership]]:
    """The organisation's managers, pending join requests and pending invitations."""
    rows = (
        Membership.objects.filter(organisation=organisation, status__in=SHOWN_STATUSES)
        .select_related("user", "invited_by")
        .order_by("created_at")
    )
    grouped: dict[str, list[Membership]] = {"managers": [], "requests": [], "invitations": []}
    key = {
        MembershipStatus.ACTIVE: "managers",
        MembershipStatus.REQUESTED: "requests",
        MembershipStatus.INVITED: "invitations",
    }
    for membership in rows:
        grouped[key[membership.status]].append(membership)
    return grouped


@manager_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """The managers, the requests to answer and the invitations sent; POST invites someone by email."""
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = manager_invite(organisation=organisation, by=request.user, email=form.cleaned_data["email"])
        except OrganisationError as error:
            form.add_error("email", error.message)
        else:
            messages.success(request, _("An invitation was sent to %(email)s.") % {"email": invitation.email})
            return redirect("organisations:members", org=organisation.public_id)
    context = {**organisation_members(organisation), "organisation": organisation, "form": form}
    return render(request, "enrolments/organisations/members.html", context)


def display_name(user) -> str:
    return user.get_full_name() or user.email


def _who(membership: Membership) -> str:
    return display_name(membership.user) if membership.user else membership.email


@manager_required
@require_POST
def decide(request: HttpRequest, organisation: Organisation, pk: int) -> HttpResponse:
    """``action``: approve or decline a join request, or remove a manager or a pending invitation."""
    membership = organisation_object(Membership.objects.select_related("user"), organisation, pk=pk)
    action = request.POST.get("action")
    try:
        if action in ("approve", "decline"):
            membership = membership_decide(membership=membership, by=request.user, approve=action == "approve")
            if action == "approve":
                messages.success(request, _("%(person)s is now a manager.") % {"person": _who(membership)})
            else:
                messages.success(request, _("You declined the request of %(person)s.") % {"person": _who(membership)})
        elif action == "remove":
            was_invitation = membership.status == MembershipStatus.INVITED
            membership = manager_remove(membership=membership, by=request.user)
            if membership.user_id == request.user.pk:
                messages.success(request, _("You no longer manage %(name)s.") % {"name": organisation.name})
                return redirect("organisations:index")
            if was_invitation:
                messages.success(request, _("The invitation to %(email)s is withdrawn.") % {"email": membership.email})
            else:
                messages.success(request, _("%(person)s is no longer a manager.") % {"person": _who(membership)})
        else:
            messages.error(request, _("This action is not possible."))
    except OrganisationError as error:
        messages.error(request, error.message)
    return redirect("organisations:members", org=organisation.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation sent by email: who invites you to manage what, and a button to accept.

    Only the person signed in with the invited address (or one they verified)
    may accept; anyone else is told which address the invitation is for.
    """
    invitation = Membership.objects.select_related("organisation", "invited_by").filter(token=token).first()
    if (
        invitation is not None
        and invitation.status == MembershipStatus.ACTIVE
        and invitation.user_id == request.user.pk
    ):
        return redirect("organisations:overview", org=invitation.organisation.public_id)
    if invitation is None or invitation.status != MembershipStatus.INVITED:
        return render(request, "enrolments/organisations/invitation.html", {"invitation": None}, status=404)
    error = ""
    if request.method == "POST":
        try:
            membership = invitation_accept(token=token, user=request.user)
        except OrganisationError as refusal:
            error = refusal.message
        else:
            messages.success(request, _("You now manage %(name)s.") % {"name": membership.organisation.name})
            return redirect("organisations:overview", org=membership.organisation.public_id)
    context = {
        "invitation": invitation,
        "inviter_name": display_name(invitation.invited_by) if invitation.invited_by else "",
        "matches": invitation_matches(invitation, request.user),
        "error": error,
    }
    return render(request, "enrolments/organisations/invitation.html", context)
