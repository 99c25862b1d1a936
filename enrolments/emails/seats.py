"""Emails about company seats: invitations, claims, revocations, and reminders of free seats.

Kinds (the object id each one takes):

- ``seat_invitation`` (Seat): to the assigned email, with the claim link;
- ``seat_confirmed`` (Enrolment): to the employee who claimed a seat, with the calendar invitation;
- ``seat_claimed`` (Seat): to the manager who assigned the seat (or issued its code): "X claimed their seat";
- ``seat_revoked`` (Enrolment): to the previous holder of a reassigned or revoked seat, with the cancellation;
- ``seats_unassigned`` (Order): to the organisation's managers, before the start, while seats are free.

Each one checks when it is sent that it still applies (the seat may have been
reassigned meanwhile) and sends nothing otherwise.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from enrolments.emails.rendering import Draft, email_kind, loader, recipient_language, site_url
from enrolments.emails.session_details import invitation, person_name, session_context, subject_course
from enrolments.models import Enrolment, EnrolmentStatus, MembershipStatus, Order, Seat, SeatStatus, User

#: The employee's claim link and the code form (the views own the pages; these are their stable addresses).
SEAT_CLAIM_PATH = "/entreprises/places/{token}/"
SEAT_REDEEM_PATH = "/entreprises/code/"
SEATS_PATH = "/entreprises/{organisation}/commandes/{reference}/places/"

load_seat = loader(
    Seat.objects.select_related(
        "organisation", "order__buyer", "session__venue", "session__course", "assigned_by", "holder"
    )
)
load_enrolment = loader(
    Enrolment.objects.select_related("session__venue", "session__course", "learner", "order__organisation")
)
load_order = loader(Order.objects.select_related("organisation", "buyer", "session__venue", "session__course"))


def _invitee(seat: Seat):
    """The account of the invited email, if there is one (their language; nothing sent if anonymised)."""
    return User.objects.filter(email__iexact=seat.email).first() if seat.email else None


def _manager(seat: Seat):
    """Who hears that a seat was claimed: whoever assigned it (or issued its code), else the buyer."""
    return seat.assigned_by or seat.order.buyer


def _invitee_language(seat: Seat) -> str:
    user = _invitee(seat)
    return recipient_language(user) if user else settings.LANGUAGE_CODE


@email_kind("seat_invitation", load=load_seat, person=_invitee, language=_invitee_language)
def seat_invitation(seat: Seat, language: str) -> Draft | None:
    """Your employer booked you a seat: the claim link, and what the course is."""
    if seat.status != SeatStatus.ASSIGNED or not seat.email:
        return None
    manager = seat.assigned_by
    context = {
        **session_context(seat.session, language=language),
        "organisation_name": seat.organisation.name,
        "manager_name": person_name(manager) if manager else "",
        "claim_url": site_url(SEAT_CLAIM_PATH.format(token=seat.token), language=language),
    }
    return Draft(
        to=[seat.email],
        subject=_("%(organisation)s booked you a place: %(course)s")
        % {"organisation": seat.organisation.name, **subject_course(context)},
        template="seat_invitation",
        context=context,
        reply_to=[manager.email] if manager else [],
    )


def _learner(enrolment: Enrolment):
    return enrolment.learner


def _organisation_name(enrolment: Enrolment) -> str:
    organisation = enrolment.order.organisation if enrolment.order else None
    return organisation.name if organisation else ""


@email_kind("seat_confirmed", load=load_enrolment, person=_learner)
def seat_confirmed(enrolment: Enrolment, language: str) -> Draft | None:
    """The employee is enrolled through their employer: the calendar invitation, nothing to pay."""
    if enrolment.status != EnrolmentStatus.CONFIRMED:
        return None
    context = {
        **session_context(enrolment.session, language=language),
        "first_name": enrolment.learner.first_name,
        "learner_name": person_name(enrolment.learner),
        "organisation_name": _organisation_name(enrolment),
    }
    return Draft(
        to=[enrolment.learner.email],
        subject=_("Your enrolment is confirmed: %(course)s") % subject_course(context),
        template="seat_confirmed",
        context=context,
        attachments=[invitation(enrolment.session, enrolment.learner, method="REQUEST", language=language)],
    )


@email_kind("seat_claimed", load=load_seat, person=_manager)
def seat_claimed(seat: Seat, language: str) -> Draft | None:
    """To the manager: the person they invited (or who had a code) took the seat."""
    if seat.status != SeatStatus.CLAIMED or seat.holder is None:
        return None
    manager = _manager(seat)
    context = {
        **session_context(seat.session, language=language),
        "manager_first_name": manager.first_name,
        "holder_name": person_name(seat.holder),
        "holder_email": seat.holder.email,
        "organisation_name": seat.organisation.name,
        "seats_url": site_url(
            SEATS_PATH.format(organisation=seat.organisation.public_id, reference=seat.order.reference),
            language=language,
        ),
    }
    return Draft(
        to=[manager.email],
        subject=_("%(name)s claimed their seat: %(course)s")
        % {"name": context["holder_name"], **subject_course(context)},
        template="seat_claimed",
        context=context,
    )


@email_kind("seat_revoked", load=load_enrolment, person=_learner)
def seat_revoked(enrolment: Enrolment, language: str) -> Draft | None:
    """The employer gave the seat to someone else or took it back: the events leave the calendar."""
    if enrolment.status != EnrolmentStatus.CANCELLED:
        return None
    context = {
        **session_context(enrolment.session, language=language),
        "first_name": enrolment.learner.first_name,
        "organisation_name": _organisation_name(enrolment),
    }
    return Draft(
        to=[enrolment.learner.email],
        subject=_("Your place was withdrawn by your employer: %(course)s") % subject_course(context),
        template="seat_revoked",
        context=context,
        attachments=[invitation(enrolment.session, enrolment.learner, method="CANCEL", language=language)],
    )


def _buyer_language(order: Order) -> str:
    return recipient_language(order.buyer)


@email_kind("seats_unassigned", load=load_order, person=lambda order: None, language=_buyer_language)
def seats_unassigned(order: Order, language: str) -> Draft | None:
    """To the managers: seats of this order are still free, and the session starts soon."""
    free = order.seats.filter(status=SeatStatus.FREE).count()
    if free == 0 or order.organisation is None:
        return None
    managers = list(
        order.organisation.memberships.filter(status=MembershipStatus.ACTIVE, user__isnull=False)
        .exclude(user__anonymised_at__isnull=False)
        .values_list("user__email", flat=True)
    )
    if not managers:
        return None
    context = {
        **session_context(order.session, language=language),
        "organisation_name": order.organisation.name,
        "free_seats": free,
        "waiting_seats": order.seats.filter(status=SeatStatus.ASSIGNED).count(),
        "days_left": max((timezone.localdate(order.session.starts_at) - timezone.localdate()).days, 0),
        "seats_url": site_url(
            SEATS_PATH.format(organisation=order.organisation.public_id, reference=order.reference),
            language=language,
        ),
    }
    return Draft(
        to=managers,
        subject=_("Seats still free: %(course)s") % subject_course(context),
        template="seats_unassigned",
        context=context,
    )
