"""Reads for the learner's space: enrolments with their schedule, payments and documents.

Every selector reads in a constant number of queries, whatever the number of
enrolments: rows come with ``select_related``/``prefetch_related`` and course
titles and links in the page's language from ``courses.calendar.course_links``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone, translation

from courses.calendar import CourseLink, course_links
from courses.models import Session, TimetableSlot
from enrolments.models import (
    Enrolment,
    EnrolmentStatus,
    Instalment,
    InstalmentStatus,
    Invoice,
    Seat,
    SeatStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from enrolments.services.attendance import AttendanceSummary, attendance_by_enrolment
from enrolments.services.enrolment import cancellation_share, in_withdrawal_period, refundable

CENT = Decimal("0.01")
#: Instalments still to be charged: what a cancellation stops.
UNPAID_STATUSES = (InstalmentStatus.SCHEDULED, InstalmentStatus.FAILED)
#: Enrolments that had a contract: the learner can download it.
CONTRACT_STATUSES = (
    EnrolmentStatus.CONFIRMED,
    EnrolmentStatus.COMPLETED,
    EnrolmentStatus.WITHDRAWN,
    EnrolmentStatus.CANCELLED,
    EnrolmentStatus.CANCELLED_BY_ORGANISER,
)
NO_COURSE = CourseLink(title="", url=None)


@dataclass(frozen=True, slots=True)
class CancellationPreview:
    """What cancelling now would do, computed as ``enrolment_cancel`` does."""

    days_before_start: int
    percent: int
    paid: Decimal
    refund: Decimal
    not_charged: Decimal  # scheduled or failed instalments that will not be charged


@dataclass
class EnrolmentCard:
    """One enrolment as the dashboard shows it."""

    enrolment: Enrolment
    session: Session
    course: CourseLink
    slots: list[TimetableSlot]
    next_slot: TimetableSlot | None
    # The payment schedule, only when this person is the order's buyer.
    instalments: list[Instalment]
    invoices: list[Invoice]
    can_withdraw: bool
    can_cancel: bool
    has_contract: bool
    # The organisation that booked this place (a company seat): only its managers can change it.
    booked_by: str = ""
    # What the attendance register says (shown once a mark is recorded).
    attendance: AttendanceSummary | None = None

    @property
    def failed_instalments(self) -> list[Instalment]:
        return [i for i in self.instalments if i.status == InstalmentStatus.FAILED]

    @property
    def lms_url(self) -> str:
        live = self.enrolment.status in (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED)
        return self.enrolment.lms_course_url if live else ""


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    invoice: Invoice
    course: CourseLink


@dataclass
class WaitlistCard:
    entry: WaitlistEntry
    course: CourseLink


@dataclass
class SeatInvitationCard:
    """A seat an organisation assigned to one of the person's verified emails, still to be claimed."""

    seat: Seat
    course: CourseLink


@dataclass
class LearnerDashboard:
    """The learner's space: seats offered by an employer, holds to finish, current and past enrolments, the waitlist."""

    holds: list[EnrolmentCard] = field(default_factory=list)
    current: list[EnrolmentCard] = field(default_factory=list)
    past: list[EnrolmentCard] = field(default_factory=list)
    waitlist: list[WaitlistCard] = field(default_factory=list)
    seat_invitations: list[SeatInvitationCard] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.holds or self.current or self.past or self.waitlist or self.seat_invitations)

    @property
    def failed_instalments(self) -> list[tuple[EnrolmentCard, Instalment]]:
        return [(card, i) for card in [*self.current, *self.past] for i in card.failed_instalments]


def _language() -> str:
    return translation.get_supported_language_variant(translation.get_language() or settings.LANGUAGE_CODE)


def learner_enrolments(*, user) -> list[Enrolment]:
    """The person's enrolments with session, venue, slots, order, instalments and invoices (5 queries)."""
    return list(
        Enrolment.objects.filter(learner=user)
        .exclude(status=EnrolmentStatus.EXPIRED)
        .select_related("session", "session__venue", "order", "order__organisation")
        .prefetch_related(
            Prefetch("session__slots", queryset=TimetableSlot.objects.order_by("date", "start_time")),
            Prefetch("order__instalments", queryset=Instalment.objects.order_by("number")),
            Prefetch("order__invoices", queryset=Invoice.objects.order_by("issued_at", "pk")),
        )
    )


def next_slot(slots: list[TimetableSlot], now: dt.datetime) -> TimetableSlot | None:
    """The first slot that has not ended yet (the one running now, or the next one)."""
    return next((slot for slot in slots if slot.ends_at > now), None)


def _card(enrolment: Enrolment, *, user, courses: dict[int, CourseLink], now: dt.datetime) -> EnrolmentCard:
    session = enrolment.session
    slots = list(session.slots.all())
    order = enrolment.order
    # A company-bought seat: the schedule and invoices are the buyer's, not the learner's.
    is_buyer = order is not None and order.buyer_id == user.pk
    # A company seat: the employee neither withdraws nor cancels (their manager reassigns or revokes it),
    # and the agreement is the organisation's, not an individual contract.
    organisation = order.organisation if order is not None and order.organisation_id else None
    confirmed = enrolment.status == EnrolmentStatus.CONFIRMED and organisation is None
    withdrawable = confirmed and in_withdrawal_period(enrolment, now)
    return EnrolmentCard(
        enrolment=enrolment,
        session=session,
        course=courses.get(session.course_id, NO_COURSE),
        slots=slots,
        next_slot=next_slot(slots, now),
        instalments=list(order.instalments.all()) if is_buyer else [],
        invoices=list(order.invoices.all()) if is_buyer else [],
        can_withdraw=withdrawable,
        can_cancel=confirmed and not withdrawable and now < session.starts_at,
        has_contract=organisation is None
        and enrolment.confirmed_at is not None
        and enrolment.status in CONTRACT_STATUSES,
        booked_by=organisation.name if organisation else "",
    )


def seats_to_claim(*, user, now: dt.datetime) -> list[Seat]:
    """Seats assigned to one of the person's verified emails and not claimed yet, for sessions not over.

    The invitation email holds the claim link; this is the same link for someone
    who signed up first (email verification makes the sign-up lose its way back).
    """
    emails = [e.lower() for e in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)]
    if not emails:
        return []
    return list(
        Seat.objects.filter(status=SeatStatus.ASSIGNED, email__in=emails, session__ends_at__gte=now)
        .select_related("session", "organisation")
        .order_by("session__starts_at")
    )


def learner_dashboard(*, user, request: HttpRequest, now: dt.datetime | None = None) -> LearnerDashboard:
    """Everything the learner's home shows, in a constant number of queries."""
    now = now or timezone.now()
    enrolments = learner_enrolments(user=user)
    entries = list(
        WaitlistEntry.objects.filter(person=user, status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED])
        .select_related("session")
        .order_by("session__starts_at")
    )
    seats = seats_to_claim(user=user, now=now)
    course_ids = {e.session.course_id for e in enrolments} | {w.session.course_id for w in entries}
    course_ids |= {seat.session.course_id for seat in seats}
    courses = course_links(course_ids=course_ids, request=request, language=_language()) if course_ids else {}

    dashboard = LearnerDashboard(
        waitlist=[WaitlistCard(entry=w, course=courses.get(w.session.course_id, NO_COURSE)) for w in entries],
        seat_invitations=[
            SeatInvitationCard(seat=s, course=courses.get(s.session.course_id, NO_COURSE)) for s in seats
        ],
    )
    attendance = attendance_by_enrolment(enrolments)  # the slots are prefetched: one query
    for enrolment in enrolments:
        card = _card(enrolment, user=user, courses=courses, now=now)
        card.attendance = attendance[enrolment.pk]
        status = enrolment.status
        if status == EnrolmentStatus.HELD:
            # A stale hold is released by the schedule job within minutes: nothing to do with it.
            if enrolment.hold_expires_at and enrolment.hold_expires_at > now:
                dashboard.holds.append(card)
        elif status == EnrolmentStatus.CONFIRMED and enrolment.session.ends_at >= now:
            dashboard.current.append(card)
        else:
            dashboard.past.append(card)
    dashboard.current.sort(key=lambda c: c.session.starts_at)
    dashboard.past.sort(key=lambda c: c.session.starts_at, reverse=True)
    return dashboard


def learner_documents(*, user, request: HttpRequest) -> tuple[list[EnrolmentCard], list[InvoiceRow]]:
    """The person's contracts (enrolments that had one) and the invoices and credit notes they were billed."""
    enrolments = list(
        Enrolment.objects.filter(learner=user, status__in=CONTRACT_STATUSES, confirmed_at__isnull=False)
        # A company seat has no individual contract: the organisation signed the training agreement.
        .exclude(order__organisation__isnull=False)
        .select_related("session")
        .order_by("-session__starts_at")
    )
    invoices = list(
        Invoice.objects.filter(order__buyer=user)
        .select_related("order", "order__session")
        .order_by("-issued_at", "-pk")
    )
    course_ids = {e.session.course_id for e in enrolments} | {i.order.session.course_id for i in invoices}
    courses = course_links(course_ids=course_ids, request=request, language=_language()) if course_ids else {}
    cards = [
        EnrolmentCard(
            enrolment=e,
            session=e.session,
            course=courses.get(e.session.course_id, NO_COURSE),
            slots=[],
            next_slot=None,
            instalments=[],
            invoices=[],
            can_withdraw=False,
            can_cancel=False,
            has_contract=True,
        )
        for e in enrolments
    ]
    rows = [InvoiceRow(invoice=i, course=courses.get(i.order.session.course_id, NO_COURSE)) for i in invoices]
    return cards, rows


def cancellation_preview(*, enrolment: Enrolment, now: dt.datetime | None = None) -> CancellationPreview:
    """What ``enrolment_cancel`` would refund now: the cancellation terms' share of what was paid.

    Same arithmetic as the service (paid minus already refunded, share by
    whole days before the start, rounded half up to the cent).
    """
    now = now or timezone.now()
    days, percent = cancellation_share(session=enrolment.session, now=now)
    instalments = list(enrolment.order.instalments.all()) if enrolment.order_id else []
    paid, refund = refundable(instalments, percent)
    not_charged = sum((i.amount for i in instalments if i.status in UNPAID_STATUSES), Decimal(0))
    return CancellationPreview(
        days_before_start=days, percent=percent, paid=paid, refund=refund, not_charged=not_charged
    )
