"""The person's rights over their data (GDPR): a copy of everything, and deleting the account.

Deleting an account anonymises the person rather than deleting the row:
orders, invoices and enrolments must be kept (accounting law, statistics,
Qualiopi indicators). Invoices hold a frozen copy of the buyer, which the
law requires to keep as it was issued.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrolments.models import (
    Enrolment,
    EnrolmentStatus,
    FundingRequest,
    Instalment,
    InstalmentStatus,
    Invoice,
    Order,
    OrderStatus,
    User,
    WaitlistEntry,
    WaitlistStatus,
)
from enrolments.models.accounts import PROFILE_FIELDS, new_calendar_token
from enrolments.services.enrolment import enrolment_release_hold
from enrolments.services.errors import EnrolmentRefused
from enrolments.services.waitlist import waitlist_leave

#: Instalments still owed: an account is not deleted while one is (the debt needs a contact).
OWED_STATUSES = (InstalmentStatus.SCHEDULED, InstalmentStatus.PROCESSING, InstalmentStatus.FAILED)
#: Profile fields emptied when the account is deleted.
PERSONAL_FIELDS = PROFILE_FIELDS


class AccountDeletionRefused(EnrolmentRefused):
    """The account cannot be deleted yet; ``message`` says what to do first."""


def live_enrolments(*, user, now: dt.datetime) -> list[Enrolment]:
    """Enrolments not finished: a place held, or confirmed in a session that has not ended."""
    return list(
        Enrolment.objects.filter(learner=user)
        .filter(
            Q(status=EnrolmentStatus.HELD, hold_expires_at__gt=now)
            | Q(status=EnrolmentStatus.CONFIRMED, session__ends_at__gt=now)
        )
        .select_related("session")
    )


def account_delete(*, user: User, now: dt.datetime | None = None) -> User:
    """Anonymise ``user`` and close their account; their orders, invoices and enrolments stay.

    Refused (``AccountDeletionRefused``) while an enrolment is live or an
    instalment is still owed. Stale holds are released and live waitlist
    entries left first, so their places pass on. The caller logs the person out.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Locked first, so two deletions of the same account run one after the other.
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.anonymised_at is not None:
            return user
        live = live_enrolments(user=user, now=now)
        if live:
            codes = ", ".join(e.session.code for e in live)
            raise AccountDeletionRefused(
                _(
                    "You are still enrolled in %(sessions)s. Please withdraw or cancel this enrolment first, "
                    "then delete your account."
                )
                % {"sessions": codes}
            )
        owed = Instalment.objects.filter(order__buyer=user, status__in=OWED_STATUSES).exclude(
            order__status=OrderStatus.CANCELLED
        )
        if owed.exists():
            raise AccountDeletionRefused(_("A payment is still due on one of your orders. Please settle it first."))

        # Stale holds and waitlist places pass on to the next people now.
        for enrolment in Enrolment.objects.filter(learner=user, status=EnrolmentStatus.HELD):
            enrolment_release_hold(enrolment=enrolment, now=now)
        for entry in WaitlistEntry.objects.filter(
            person=user, status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED]
        ):
            waitlist_leave(entry=entry, now=now)

        for name in PERSONAL_FIELDS:
            setattr(user, name, "")
        user.email = user.username = f"deleted-{user.public_id}@invalid"
        user.set_unusable_password()
        user.is_active = user.is_staff = user.is_superuser = False
        # The personal feed's old URL stops working.
        user.calendar_token = new_calendar_token()
        user.anonymised_at = now
        user.save()
        EmailAddress.objects.filter(user=user).delete()
        # What the person wrote to their employer or funder may name them.
        FundingRequest.objects.filter(requester=user).update(contact_email="", message="")
    return user


# --- export --------------------------------------------------------------------------------


def _legal(text) -> dict[str, Any]:
    return {"kind": text.kind, "version": text.version, "effective_from": text.effective_from}


def personal_data(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about ``user``, as JSON-ready data (Decimals and dates as is).

    Invoices are listed by their metadata; the PDFs are in the person's documents.
    """
    enrolments = list(
        Enrolment.objects.filter(learner=user).select_related("session", "order", "terms", "internal_rules")
    )
    orders = list(Order.objects.filter(buyer=user).select_related("session").prefetch_related("instalments", "refunds"))
    invoices = list(Invoice.objects.filter(order__buyer=user).select_related("order").order_by("issued_at", "pk"))
    profile = {
        "public_id": str(user.public_id),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "civility": user.civility,
        "street_address": user.street_address,
        "postal_code": user.postal_code,
        "city": user.city,
        "country": user.country,
        "phone": user.phone,
        "professional_status": user.professional_status,
        "employer_name": user.employer_name,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
    }
    return {
        "exported_at": timezone.now(),
        "profile": profile,
        "enrolments": [
            {
                "session": e.session.code,
                "status": e.status,
                "order": e.order.reference if e.order else None,
                "accepted_at": e.accepted_at,
                "early_start_consent_at": e.early_start_consent_at,
                "confirmed_at": e.confirmed_at,
                "withdrawal_ends_at": e.withdrawal_ends_at,
                "ended_at": e.ended_at,
                "completed_at": e.completed_at,
                "lms_course_url": e.lms_course_url,
                "created_at": e.created_at,
            }
            for e in enrolments
        ],
        "orders": [
            {
                "reference": o.reference,
                "session": o.session.code,
                "funding": o.funding,
                "status": o.status,
                "quantity": o.quantity,
                "amount_excl_tax": o.amount_excl_tax,
                "amount_incl_tax": o.amount_incl_tax,
                "vat_rate": o.vat_rate,
                "currency": o.currency,
                "created_at": o.created_at,
                "instalments": [
                    {
                        "number": i.number,
                        "due_on": i.due_on,
                        "amount": i.amount,
                        "status": i.status,
                        "paid_at": i.paid_at,
                        "amount_refunded": i.amount_refunded,
                    }
                    for i in sorted(o.instalments.all(), key=lambda i: i.number)
                ],
                "refunds": [
                    {"amount": r.amount, "status": r.status, "reason": r.reason, "created_at": r.created_at}
                    for r in o.refunds.all()
                ],
            }
            for o in orders
        ],
        "invoices": [
            {
                "number": i.number,
                "kind": i.kind,
                "order": i.order.reference,
                "issued_at": i.issued_at,
                "total_incl_tax": i.total_incl_tax,
                "currency": i.currency,
            }
            for i in invoices
        ],
        "waitlist": [
            {
                "session": w.session.code,
                "status": w.status,
                "joined_at": w.created_at,
                "offer_expires_at": w.offer_expires_at,
            }
            for w in WaitlistEntry.objects.filter(person=user).select_related("session").order_by("created_at")
        ],
        "funding_requests": [
            {
                "session": f.session.code,
                "kind": f.kind,
                "organisation_name": f.organisation_name,
                "contact_email": f.contact_email,
                "message": f.message,
                "created_at": f.created_at,
            }
            for f in FundingRequest.objects.filter(requester=user).select_related("session").order_by("created_at")
        ],
        # What the person accepted before enrolling (L6353-8): which version, and when.
        "acceptances": [
            {"session": e.session.code, "accepted_at": e.accepted_at, "document": _legal(text)}
            for e in sorted(enrolments, key=lambda e: e.accepted_at)
            for text in (e.terms, e.internal_rules)
        ],
    }
