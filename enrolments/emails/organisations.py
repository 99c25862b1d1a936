"""Emails about organisations and their managers.

Kinds (the object id each one takes):

- ``organisation_created_staff`` (Organisation): to ``ENROLMENT_STAFF_EMAILS``, verify the new organisation;
- ``organisation_verified`` (Organisation): to its managers, they may now pay by invoice;
- ``membership_requested`` (Membership): to the organisation's managers, someone asks to join;
- ``membership_decided`` (Membership): to the person who asked, approved or declined;
- ``manager_invited`` (Membership): to the invited address, with the link that accepts the invitation.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from enrolments.emails.rendering import Draft, email_kind, loader, recipient_language, site_url, staff_language
from enrolments.emails.session_details import person_name
from enrolments.models import Membership, MembershipStatus, Organisation

load_organisation = loader(Organisation.objects.select_related("created_by"))
load_membership = loader(Membership.objects.select_related("organisation", "user", "invited_by", "decided_by"))


def organisation_url(name: str, *args: Any, language: str) -> str:
    """The absolute URL of an ``organisations:`` page in ``language``."""
    # Reversed in the default language (no prefix): site_url adds the language's own prefix.
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse(f"organisations:{name}", args=args)
    return site_url(path, language=language)


def manager_emails(organisation_id: int) -> list[str]:
    """The addresses of an organisation's active managers."""
    rows = Membership.objects.filter(organisation_id=organisation_id, status=MembershipStatus.ACTIVE).values_list(
        "user__email", "email"
    )
    return sorted({user_email or email for user_email, email in rows if user_email or email})


def _organisation_context(organisation: Organisation) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "organisation_name": organisation.name,
        "siret": organisation.siret,
        "vat_number": organisation.vat_number,
        "billing_address": organisation.billing_address,
    }


@email_kind(
    "organisation_created_staff", load=load_organisation, person=lambda o: o.created_by, language=staff_language
)
def organisation_created_staff(organisation: Organisation, language: str) -> Draft | None:
    """To the training staff: check this organisation exists, then verify it so it may pay by invoice."""
    creator = organisation.created_by
    context = {
        **_organisation_context(organisation),
        "creator_name": person_name(creator) if creator else "",
        "creator_email": creator.email if creator else "",
        # The admin's verification page of this organisation (enrolments/admin_company.py).
        "admin_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        + reverse("admin_organisations:verify", args=(organisation.pk,)),
    }
    return Draft(
        to=list(settings.ENROLMENT_STAFF_EMAILS),
        subject=_("New organisation to verify: %(name)s (SIRET %(siret)s)")
        % {"name": organisation.name, "siret": organisation.siret},
        template="organisation_created_staff",
        context=context,
        reply_to=[creator.email] if creator and creator.email else [],
    )


@email_kind("organisation_verified", load=load_organisation, person=lambda o: None, language=staff_language)
def organisation_verified(organisation: Organisation, language: str) -> Draft | None:
    """To the managers: staff verified the organisation; it may now pay by bank transfer or through its OPCO."""
    if not organisation.is_verified:
        return None
    context = {
        **_organisation_context(organisation),
        "overview_url": organisation_url("overview", organisation.public_id, language=language),
    }
    return Draft(
        to=manager_emails(organisation.pk),
        subject=_("%(name)s is verified: you can now pay by invoice") % {"name": organisation.name},
        template="organisation_verified",
        context=context,
    )


@email_kind("membership_requested", load=load_membership, person=lambda m: m.user, language=staff_language)
def membership_requested(membership: Membership, language: str) -> Draft | None:
    """To the managers: someone asks to manage the organisation with them; approve or decline."""
    if membership.status != MembershipStatus.REQUESTED or membership.user is None:
        return None
    organisation = membership.organisation
    context = {
        **_organisation_context(organisation),
        "requester_name": person_name(membership.user),
        "requester_email": membership.user.email,
        "members_url": organisation_url("members", organisation.public_id, language=language),
    }
    return Draft(
        to=manager_emails(organisation.pk),
        subject=_("%(person)s asks to manage %(name)s")
        % {"person": context["requester_name"], "name": organisation.name},
        template="membership_requested",
        context=context,
        reply_to=[membership.user.email] if membership.user.email else [],
    )


@email_kind("membership_decided", load=load_membership, person=lambda m: m.user)
def membership_decided(membership: Membership, language: str) -> Draft | None:
    """To the person who asked to join: the managers' answer."""
    approved = membership.status == MembershipStatus.ACTIVE
    if membership.user is None or membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.DECLINED):
        return None
    organisation = membership.organisation
    context = {
        **_organisation_context(organisation),
        "first_name": membership.user.first_name,
        "approved": approved,
        "overview_url": organisation_url("overview", organisation.public_id, language=language),
        "decided_by_name": person_name(membership.decided_by) if membership.decided_by else "",
    }
    if approved:
        subject = _("You now manage %(name)s") % {"name": organisation.name}
    else:
        subject = _("Your request to join %(name)s was declined") % {"name": organisation.name}
    return Draft(to=[membership.user.email], subject=subject, template="membership_decided", context=context)


def _inviter_language(membership: Membership) -> str:
    # The invited person may have no account yet: write in their colleague's language.
    return recipient_language(membership.invited_by) if membership.invited_by else staff_language()


@email_kind("manager_invited", load=load_membership, person=lambda m: m.user, language=_inviter_language)
def manager_invited(membership: Membership, language: str) -> Draft | None:
    """To the invited address: a manager invites them; the link accepts once they are signed in."""
    if membership.status != MembershipStatus.INVITED:
        return None
    organisation = membership.organisation
    inviter = membership.invited_by
    context = {
        **_organisation_context(organisation),
        "inviter_name": person_name(inviter) if inviter else "",
        "invited_email": membership.email,
        "invitation_url": organisation_url("accept_invitation", membership.token, language=language),
    }
    return Draft(
        to=[membership.email],
        subject=_("Invitation: manage the training purchases of %(name)s") % {"name": organisation.name},
        template="manager_invited",
        context=context,
        reply_to=[inviter.email] if inviter and inviter.email else [],
    )
