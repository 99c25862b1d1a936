"""Organisations and their managers: creating one, joining one, invitations, staff verification.

A professional creates an organisation and becomes its first manager (an
ACTIVE membership); staff are asked to verify it, which it needs before it
may pay by invoice. Anyone else asks to join (REQUESTED), and an active
manager approves or declines; or a manager invites someone by email
(INVITED, with a secret token in the link), and that person accepts while
signed in with the invited address. An organisation always keeps at least
one active manager.

Every refusal raises ``OrganisationError`` with a message for the person.
Emails go out once the transaction commits (``emails.notify``).
"""

from __future__ import annotations

import re
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.eu import vat as eu_vat
from stdnum.fr import siret as fr_siret
from stdnum.fr import tva as fr_tva

from enrolments import emails
from enrolments.models import Membership, MembershipStatus, Organisation
from enrolments.services.errors import OrganisationError

SIRET_INVALID = _("This SIRET number is not valid: check its 14 digits.")
VAT_INVALID = _("This VAT number is not valid.")
SIRET_TAKEN = _("An organisation with this SIRET already exists: ask to join it instead.")
NOT_A_MANAGER = _("Only a manager of this organisation can do this.")

#: What a manager may set on an organisation (the rest is kept by the services).
ORGANISATION_FIELDS = (
    "name",
    "siret",
    "vat_number",
    "billing_street_address",
    "billing_postal_code",
    "billing_city",
    "billing_country",
    "billing_contact_name",
    "billing_contact_email",
    "purchase_order_required",
    "opco",
)

#: A membership that counts: one per person and organisation (a database constraint).
LIVE_STATUSES = (MembershipStatus.REQUESTED, MembershipStatus.ACTIVE)

# People type SIRETs as printed: "732 829 320 00074", "732.829.320-00074".
_SEPARATORS = re.compile(r"[\s.\-/]+")


def siret_compact(value: str) -> str:
    """The 14 digits of a SIRET typed with spaces, dots or dashes; ``OrganisationError`` if it is not valid."""
    number = _SEPARATORS.sub("", value or "")
    if not fr_siret.is_valid(number):
        raise OrganisationError(SIRET_INVALID)
    return fr_siret.compact(number)


def vat_number_compact(value: str) -> str:
    """An EU VAT number in compact form (``FR40303265045``), or "" when none is given.

    A French number typed without its ``FR`` prefix is accepted: people often
    copy only the digits from an invoice.
    """
    number = _SEPARATORS.sub("", value or "").upper()
    if not number:
        return ""
    if number.isdigit() and fr_tva.is_valid(number):
        number = "FR" + number
    if not eu_vat.is_valid(number):
        raise OrganisationError(VAT_INVALID)
    return eu_vat.compact(number)


def _email_compact(value: str) -> str:
    email = BaseUserManager.normalize_email((value or "").strip())
    try:
        validate_email(email)
    except ValidationError as error:
        raise OrganisationError(_("Please give a valid email address.")) from error
    return email


def _organisation_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` checked and normalised: known names only, identifiers compact, text stripped."""
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"Not an organisation field: {', '.join(sorted(unknown))}")
    cleaned = {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}
    if "siret" in cleaned:
        cleaned["siret"] = siret_compact(cleaned["siret"])
    if "vat_number" in cleaned:
        cleaned["vat_number"] = vat_number_compact(cleaned["vat_number"])
    return cleaned


def _validate_and_save(organisation: Organisation) -> None:
    """Model validation (required fields, lengths, choices), then save; a taken SIRET is a clear refusal."""
    if Organisation.objects.filter(siret=organisation.siret).exclude(pk=organisation.pk).exists():
        raise OrganisationError(SIRET_TAKEN)
    try:
        organisation.full_clean(validate_unique=False)
    except ValidationError as error:
        raise OrganisationError(" ".join(error.messages)) from error
    try:
        # A savepoint: two people registering the same SIRET at once; the second is told to join.
        with transaction.atomic():
            organisation.save()
    except IntegrityError as error:
        raise OrganisationError(SIRET_TAKEN) from error


def _require_manager(organisation_id: int, user) -> None:
    if user is None or not user.is_authenticated:
        raise OrganisationError(NOT_A_MANAGER)
    if not Membership.objects.filter(
        organisation_id=organisation_id, user=user, status=MembershipStatus.ACTIVE
    ).exists():
        raise OrganisationError(NOT_A_MANAGER)


def _lock(organisation_id: int) -> Organisation:
    # Changes to an organisation's managers queue on its row, so two managers
    # removing each other at once cannot leave it without any.
    return Organisation.objects.select_for_update().get(pk=organisation_id)


@transaction.atomic
def organisation_create(*, created_by, **fields: Any) -> Organisation:
    """Register an organisation; ``created_by`` becomes its first manager and staff are asked to verify it."""
    organisation = Organisation(created_by=created_by, **_organisation_fields(fields))
    _validate_and_save(organisation)
    Membership.objects.create(
        organisation=organisation,
        user=created_by,
        email=created_by.email,
        status=MembershipStatus.ACTIVE,
        decided_at=timezone.now(),
    )
    emails.notify("organisation_created_staff", organisation.pk)
    return organisation


@transaction.atomic
def organisation_update(*, organisation: Organisation, by, **fields: Any) -> Organisation:
    """Change an organisation's name, identifiers or billing details (its managers only).

    Staff verified the company behind the SIRET: once verified, the SIRET
    cannot be changed here (a different SIRET is a different company).
    """
    _require_manager(organisation.pk, by)
    cleaned = _organisation_fields(fields)
    # Fresh from the database: a ModelForm has already copied the typed values onto ``organisation``.
    current = _lock(organisation.pk)
    if "siret" in cleaned and cleaned["siret"] != current.siret and current.is_verified:
        raise OrganisationError(_("The SIRET of a verified organisation cannot be changed. Please contact us."))
    for name, value in cleaned.items():
        setattr(current, name, value)
    _validate_and_save(current)
    return current


@transaction.atomic
def organisation_verify(*, organisation: Organisation, by) -> Organisation:
    """Staff checked the organisation exists: it may now pay by invoice. Idempotent.

    The admin view that calls it checks that ``by`` is staff.
    """
    current = _lock(organisation.pk)
    if current.verified_at is None:
        current.verified_at = timezone.now()
        current.verified_by = by
        current.save(update_fields=["verified_at", "verified_by", "updated_at"])
        emails.notify("organisation_verified", current.pk)
    return current


@transaction.atomic
def membership_request(*, organisation: Organisation, user) -> Membership:
    """``user`` asks to manage ``organisation``; its active managers are emailed to decide."""
    live = Membership.objects.filter(organisation=organisation, user=user, status__in=LIVE_STATUSES).first()
    if live is not None and live.status == MembershipStatus.ACTIVE:
        raise OrganisationError(_("You already manage this organisation."))
    if live is not None:
        raise OrganisationError(_("You have already asked to join this organisation: its managers will answer."))
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                organisation=organisation, user=user, email=user.email, status=MembershipStatus.REQUESTED
            )
    except IntegrityError as error:
        # The same request sent twice at once (a double click).
        raise OrganisationError(
            _("You have already asked to join this organisation: its managers will answer.")
        ) from error
    emails.notify("membership_requested", membership.pk)
    return membership


@transaction.atomic
def membership_decide(*, membership: Membership, by, approve: bool) -> Membership:
    """An active manager approves (the requester becomes a manager) or declines a join request."""
    current = Membership.objects.select_for_update().get(pk=membership.pk)
    _require_manager(current.organisation_id, by)
    if current.status != MembershipStatus.REQUESTED:
        raise OrganisationError(_("This request has already been answered."))
    current.status = MembershipStatus.ACTIVE if approve else MembershipStatus.DECLINED
    current.decided_by = by
    current.decided_at = timezone.now()
    current.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    emails.notify("membership_decided", current.pk)
    return current


@transaction.atomic
def manager_invite(*, organisation: Organisation, by, email: str) -> Membership:
    """Invite ``email`` to manage ``organisation``; inviting the same address again re-sends the same link."""
    _require_manager(organisation.pk, by)
    email = _email_compact(email)
    _lock(organisation.pk)
    already = Membership.objects.filter(organisation=organisation, status=MembershipStatus.ACTIVE).filter(
        Q(email__iexact=email) | Q(user__email__iexact=email)
    )
    if already.exists():
        raise OrganisationError(_("%(email)s is already a manager of this organisation.") % {"email": email})
    invitation = Membership.objects.filter(
        organisation=organisation, status=MembershipStatus.INVITED, email__iexact=email
    ).first()
    if invitation is None:
        invitation = Membership.objects.create(
            organisation=organisation, email=email, status=MembershipStatus.INVITED, invited_by=by
        )
    else:
        # Same token, so an earlier email's link still works; updated_at records the re-send.
        invitation.save(update_fields=["updated_at"])
    emails.notify("manager_invited", invitation.pk)
    return invitation


def invitation_matches(invitation: Membership, user) -> bool:
    """Whether ``user`` may accept ``invitation``: it was sent to their email or one they verified."""
    if not user.is_authenticated:
        return False
    if (user.email or "").casefold() == invitation.email.casefold():
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists()


@transaction.atomic
def invitation_accept(*, token: str, user) -> Membership:
    """The signed-in ``user`` accepts the invitation ``token`` and becomes a manager."""
    invitation = Membership.objects.select_for_update().filter(token=token).first()
    if invitation is not None and invitation.status == MembershipStatus.ACTIVE and invitation.user_id == user.pk:
        return invitation  # Accepted already (a second click).
    if invitation is None or invitation.status != MembershipStatus.INVITED:
        raise OrganisationError(
            _("This invitation is no longer valid. Ask a manager of the organisation to invite you again.")
        )
    if not invitation_matches(invitation, user):
        raise OrganisationError(
            _(
                "This invitation was sent to %(email)s. Sign in with that address, "
                "or add it to your account and confirm it, to accept it."
            )
            % {"email": invitation.email}
        )
    _lock(invitation.organisation_id)
    live = Membership.objects.filter(
        organisation_id=invitation.organisation_id, user=user, status__in=LIVE_STATUSES
    ).first()
    if live is not None and live.status == MembershipStatus.ACTIVE:
        # Already a manager: the invitation has nothing left to give.
        invitation.delete()
        return live
    if live is not None:
        # Their own pending join request is answered by the invitation.
        live.delete()
    invitation.user = user
    invitation.status = MembershipStatus.ACTIVE
    invitation.decided_by = user
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["user", "status", "decided_by", "decided_at", "updated_at"])
    return invitation


@transaction.atomic
def manager_remove(*, membership: Membership, by) -> Membership:
    """Remove a manager, or withdraw a pending invitation; the last active manager cannot be removed."""
    _lock(membership.organisation_id)
    current = Membership.objects.select_for_update().get(pk=membership.pk)
    _require_manager(current.organisation_id, by)
    if current.status == MembershipStatus.ACTIVE:
        managers = Membership.objects.filter(
            organisation_id=current.organisation_id, status=MembershipStatus.ACTIVE
        ).count()
        if managers <= 1:
            raise OrganisationError(
                _("An organisation needs at least one manager: invite another manager before removing this one.")
            )
    elif current.status != MembershipStatus.INVITED:
        raise OrganisationError(_("Only a manager or a pending invitation can be removed."))
    current.status = MembershipStatus.REVOKED
    current.decided_by = by
    current.decided_at = timezone.now()
    current.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return current
