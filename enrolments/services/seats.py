"""Seats of company orders: the pool, assignment by email, claims, codes, reassignment, revocation.

A seat's place in the session was taken when the quote was accepted
(``services.quotes.quote_accept``). Nothing here changes ``places_taken``:
claiming a seat enrols the employee *in* the seat's place, and revoking it
ends the enrolment but keeps the place for the next person. Only
``cancel_order_seats`` (the order is released or cancelled) ends the seats;
its caller gives the places back.

The life of a seat: FREE → ASSIGNED (an email, a claim link) → CLAIMED (an
enrolment). A manager may instead hand out a single-use code for a FREE seat;
redeeming it goes straight to CLAIMED. Before the session starts, a manager
can reassign an ASSIGNED or CLAIMED seat to someone else, or revoke it (back
to FREE); the previous holder's enrolment ends as CANCELLED.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.models import SessionStatus
from enrolments import emails
from enrolments.models import Enrolment, EnrolmentStatus, Order, OrderStatus, Seat, SeatStatus
from enrolments.models.enrolment import PLACE_USING_STATUSES
from enrolments.models.seats import new_seat_token
from enrolments.selectors_legal import LegalTextMissing, current_legal_texts
from enrolments.services.errors import EnrolmentError

LIVE_SEAT_STATUSES = (SeatStatus.FREE, SeatStatus.ASSIGNED, SeatStatus.CLAIMED)
#: Seats that name a person: nobody else of the same email may get one in that session.
NAMED_SEAT_STATUSES = (SeatStatus.ASSIGNED, SeatStatus.CLAIMED)
#: Orders whose seats the organisation may use.
USABLE_ORDER_STATUSES = (OrderStatus.PAID, OrderStatus.INVOICED)

#: Single-use codes: no 0/O, 1/I/L, so a code read aloud or copied by hand is not mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_PREFIX = "ALLYS"
CODE_LENGTH = 8
#: Failed code tries allowed per person within the window, before they must wait.
CODE_MAX_FAILURES = 10
CODE_FAILURE_WINDOW = dt.timedelta(minutes=15)


class SeatRefused(EnrolmentError):
    """A seat action that cannot be done; ``message`` says why, in the person's language."""


class SeatNotFound(SeatRefused):
    """No live seat behind this claim link (never existed, reassigned, revoked or cancelled)."""


# --- the pool (called by the payment services) ---------------------------------------------


def create_seat_pool(*, order: Order) -> list[Seat]:
    """Give the organisation its ``order.quantity`` seats, once (idempotent).

    Called when a company order is paid or invoiced, inside the caller's transaction.
    """
    if not order.is_company_order:
        raise ValueError(f"Order {order.reference} is not a company order.")
    Order.objects.select_for_update().filter(pk=order.pk).values_list("pk", flat=True).get()
    existing = list(order.seats.all())
    missing = order.quantity - len(existing)
    if missing > 0:
        Seat.objects.bulk_create(
            Seat(order=order, organisation_id=order.organisation_id, session_id=order.session_id)
            for _ in range(missing)
        )
        existing = list(order.seats.all())
    return existing


def cancel_order_seats(*, order: Order, enrolment_status: str, now: dt.datetime | None = None) -> list[Enrolment]:
    """End every live seat of ``order`` (released unpaid, or cancelled): the seats are CANCELLED and the
    employees' enrolments end with ``enrolment_status``. Returns the enrolments ended, for the caller's emails.

    The session's places are *not* given back here: the caller frees ``order.quantity`` under the session lock.
    """
    now = now or timezone.now()
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("cancel_order_seats needs a transaction")
    ended = []
    for seat in Seat.objects.select_for_update().filter(order=order, status__in=LIVE_SEAT_STATUSES):
        enrolment = seat.enrolment
        if enrolment is not None and enrolment.status in (EnrolmentStatus.CONFIRMED, EnrolmentStatus.HELD):
            enrolment.status = enrolment_status
            enrolment.ended_at = now
            enrolment.save(update_fields=["status", "ended_at", "updated_at"])
            ended.append(enrolment)
        seat.status = SeatStatus.CANCELLED
        seat.save(update_fields=["status", "updated_at"])
    return ended


# --- checks shared by the manager's actions ---------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_manageable(order: Order, now: dt.datetime) -> None:
    """A manager may hand out seats of a paid or invoiced order, until the session starts."""
    if order.status not in USABLE_ORDER_STATUSES:
        raise SeatRefused(_("The seats of this order can be assigned once it is paid or invoiced."))
    session = order.session
    if session.status == SessionStatus.CANCELLED:
        raise SeatRefused(_("This session is cancelled."))
    if session.starts_at <= now:
        raise SeatRefused(_("The session has started: its seats can no longer be assigned or changed."))


def _taken_emails(session_id: int, *, exclude_seat: Seat | None = None) -> dict[str, str]:
    """Emails that cannot get another seat of the session, with the reason (lower case keys).

    A person named on a live seat, or already enrolled (by any of their verified addresses).
    A session has a few dozen places at most: reading them all is cheaper than one query per email.
    """
    taken: dict[str, str] = {}
    enrolled = Enrolment.objects.filter(session_id=session_id, status__in=PLACE_USING_STATUSES)
    learner_ids = list(enrolled.values_list("learner_id", flat=True))
    for email in enrolled.annotate(lower=Lower("learner__email")).values_list("lower", flat=True):
        taken[email] = _("already enrolled in this session")
    for email in (
        EmailAddress.objects.filter(user_id__in=learner_ids, verified=True)
        .annotate(lower=Lower("email"))
        .values_list("lower", flat=True)
    ):
        taken[email] = _("already enrolled in this session")
    seats = Seat.objects.filter(session_id=session_id, status__in=NAMED_SEAT_STATUSES).exclude(email="")
    if exclude_seat is not None:
        seats = seats.exclude(pk=exclude_seat.pk)
    for email in seats.annotate(lower=Lower("email")).values_list("lower", flat=True):
        taken.setdefault(email, _("already has a seat in this session"))
    return taken


def _check_email(email: str) -> str:
    email = normalise_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise SeatRefused(_("“%(email)s” is not a valid email address.") % {"email": email}) from None
    return email


def _assign(seat: Seat, email: str, *, by, now: dt.datetime) -> Seat:
    """Inside a transaction, with ``seat`` locked: name ``email`` on it, with a fresh claim link."""
    seat.status = SeatStatus.ASSIGNED
    seat.email = email
    seat.token = new_seat_token()
    seat.assigned_at = now
    seat.assigned_by = by
    # A code handed out for this seat stops working: the manager named someone instead.
    seat.code = None
    seat.reminded_at = None
    seat.save()
    emails.notify("seat_invitation", seat.pk)
    return seat


def _locked_seat(seat: Seat) -> Seat:
    return Seat.objects.select_for_update(of=("self",)).select_related("order__session").get(pk=seat.pk)


# --- assigning by email ---------------------------------------------------------------------


def seat_assign(*, seat: Seat, email: str, by, now: dt.datetime | None = None) -> Seat:
    """Name ``email`` on a FREE seat and send them the invitation with the claim link."""
    now = now or timezone.now()
    email = _check_email(email)
    with transaction.atomic():
        seat = _locked_seat(seat)
        _check_manageable(seat.order, now)
        if seat.status != SeatStatus.FREE:
            raise SeatRefused(_("This seat is no longer free."))
        if reason := _taken_emails(seat.session_id).get(email):
            raise SeatRefused(_("%(email)s: %(reason)s.") % {"email": email, "reason": reason})
        return _assign(seat, email, by=by, now=now)


@dataclass
class AssignmentReport:
    """What a list of emails gave: the seats assigned, or why nothing was."""

    assigned: list[Seat] = field(default_factory=list)
    #: Lines or items that are not email addresses ("Line 3: “x” is not a valid email address.").
    invalid: list[str] = field(default_factory=list)
    #: Emails given more than once (assigned once).
    duplicates: list[str] = field(default_factory=list)
    #: Emails that cannot get a seat, with the reason ("a@b.fr: already enrolled in this session").
    refused: list[str] = field(default_factory=list)
    free_seats: int = 0
    #: Why nothing was assigned (too many emails, session started…), empty otherwise.
    blocking: str = ""

    @property
    def problems(self) -> list[str]:
        return [*self.invalid, *self.refused]


def seats_assign_many(*, order: Order, emails: list[str], by, now: dt.datetime | None = None) -> AssignmentReport:
    """Assign a list of emails to the order's free seats: all of the valid ones, or none.

    Everything is checked first. Invalid items, duplicates and people who
    already have a seat or an enrolment are reported and skipped; the valid
    rest is assigned only if it fits in the free seats. Otherwise nothing is
    assigned and ``blocking`` says why, so the manager can shorten the list.
    """
    now = now or timezone.now()
    report = AssignmentReport()
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).select_related("session").get(pk=order.pk)
        free = list(
            Seat.objects.select_for_update(of=("self",))
            .filter(order=order, status=SeatStatus.FREE)
            # Seats without a code first: a code already handed out keeps working as long as possible.
            .order_by(F("code").asc(nulls_first=True), "pk")
        )
        report.free_seats = len(free)
        try:
            _check_manageable(order, now)
        except SeatRefused as error:
            report.blocking = str(error.message)
            return report
        taken = _taken_emails(order.session_id)
        valid: list[str] = []
        for raw in emails:
            email = normalise_email(raw)
            if not email:
                continue
            try:
                validate_email(email)
            except ValidationError:
                report.invalid.append(_("“%(email)s” is not a valid email address.") % {"email": raw.strip()})
                continue
            if email in valid:
                if email not in report.duplicates:
                    report.duplicates.append(email)
                continue
            if reason := taken.get(email):
                report.refused.append(_("%(email)s: %(reason)s") % {"email": email, "reason": reason})
                continue
            valid.append(email)
        if not valid:
            if not report.problems:
                report.blocking = _("The list contains no email address.")
            return report
        if len(valid) > len(free):
            report.blocking = ngettext(
                "%(count)d people to invite, but only %(free)d free seat: nothing was assigned.",
                "%(count)d people to invite, but only %(free)d free seats: nothing was assigned.",
                len(free),
            ) % {"count": len(valid), "free": len(free)}
            return report
        report.assigned = [_assign(seat, email, by=by, now=now) for seat, email in zip(free, valid, strict=False)]
    return report


# --- claiming: by the link or with a code --------------------------------------------------------


def _enrol_holder(seat: Seat, user, *, now: dt.datetime) -> Enrolment:
    """Inside a transaction, with ``seat`` locked: enrol ``user`` in the seat's place.

    No payment schedule and no withdrawal period: the employer pays and the
    place is theirs (L6353-1). The employee accepts the internal rules in force.
    """
    session = seat.order.session
    if session.status == SessionStatus.CANCELLED:
        raise SeatRefused(_("This session is cancelled."))
    if session.ends_at <= now:
        raise SeatRefused(_("This session is over."))
    if Enrolment.objects.filter(session=session, learner=user, status__in=PLACE_USING_STATUSES).exists():
        raise SeatRefused(
            _("You are already enrolled in this session: the seat stays free for a colleague. Tell your manager.")
        )
    try:
        texts = current_legal_texts(now=now)
    except LegalTextMissing:
        raise SeatRefused(_("Enrolment is paused for a moment; please try again later or contact us.")) from None
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                session=session,
                learner=user,
                order=seat.order,
                status=EnrolmentStatus.CONFIRMED,
                terms=texts["terms_of_sale"],
                internal_rules=texts["internal_rules"],
                accepted_at=now,
                confirmed_at=now,
            )
    except IntegrityError:
        # The same person enrolling at the same moment elsewhere (a double click on another seat).
        raise SeatRefused(_("You are already enrolled in this session.")) from None
    seat.status = SeatStatus.CLAIMED
    seat.holder = user
    seat.claimed_at = now
    seat.enrolment = enrolment
    seat.save()
    emails.notify("seat_confirmed", enrolment.pk)
    emails.notify("seat_claimed", seat.pk)
    return enrolment


def email_matches(user, email: str) -> bool:
    """Whether ``email`` is the person's address or one of their verified ones (case-insensitive)."""
    if normalise_email(user.email) == normalise_email(email):
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email.strip(), verified=True).exists()


def seat_claim(*, token: str, user, now: dt.datetime | None = None) -> Enrolment:
    """The invited employee takes their seat: they are enrolled (CONFIRMED) in the session.

    Claiming again is harmless (the same enrolment comes back). Raises
    ``SeatNotFound`` for a link that is not (or no longer) valid.
    """
    now = now or timezone.now()
    with transaction.atomic():
        seat = (
            Seat.objects.select_for_update(of=("self",))
            .select_related("order__session", "enrolment")
            .filter(token=token, status__in=NAMED_SEAT_STATUSES, order__status__in=USABLE_ORDER_STATUSES)
            .first()
        )
        if seat is None:
            raise SeatNotFound(_("This invitation link is no longer valid."))
        if seat.status == SeatStatus.CLAIMED:
            if seat.holder_id == user.pk:
                return seat.enrolment
            raise SeatRefused(_("This seat has already been claimed."))
        if not email_matches(user, seat.email):
            raise SeatRefused(
                _("This seat is for %(email)s. Please sign in with that address to claim it.") % {"email": seat.email}
            )
        return _enrol_holder(seat, user, now=now)


def normalise_code(code: str) -> str:
    """What the person typed, as stored: ``allys 7k3m-q9pw`` → ``ALLYS-7K3M-Q9PW`` ('' if it cannot be a code)."""
    body = re.sub(r"[\s\-_.]", "", code).upper()
    body = body.removeprefix(CODE_PREFIX)
    if len(body) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in body):
        return ""
    return f"{CODE_PREFIX}-{body[:4]}-{body[4:]}"


def _failures_key(user) -> str:
    return f"seat-code-failures:{user.pk}"


def _count_failure(user) -> None:
    key = _failures_key(user)
    cache.add(key, 0, timeout=int(CODE_FAILURE_WINDOW.total_seconds()))
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=int(CODE_FAILURE_WINDOW.total_seconds()))


def seat_code_redeem(*, code: str, user, session_code: str | None = None, now: dt.datetime | None = None) -> Enrolment:
    """Enrol ``user`` with a single-use code; the code is used up (kept on the seat, now CLAIMED).

    An unknown and a used code get the same message, so trying codes tells
    nothing; after ``CODE_MAX_FAILURES`` wrong tries in ``CODE_FAILURE_WINDOW``
    the person must wait.
    """
    now = now or timezone.now()
    if (cache.get(_failures_key(user)) or 0) >= CODE_MAX_FAILURES:
        raise SeatRefused(_("Too many wrong codes. Please wait 15 minutes and try again."))
    normalised = normalise_code(code)
    with transaction.atomic():
        seat = None
        if normalised:
            seat = (
                Seat.objects.select_for_update(of=("self",))
                .select_related("order__session")
                .filter(code=normalised, status=SeatStatus.FREE, order__status__in=USABLE_ORDER_STATUSES)
                .first()
            )
        if seat is None:
            _count_failure(user)
            raise SeatRefused(_("This code is not valid or has already been used. Check it, or ask your manager."))
        if session_code and seat.order.session.code != session_code:
            raise SeatRefused(_("This code is for another session (%(code)s).") % {"code": seat.order.session.code})
        seat.email = normalise_email(user.email)
        return _enrol_holder(seat, user, now=now)


# --- the manager changes their mind ------------------------------------------------------------


def _end_holder_enrolment(seat: Seat, *, now: dt.datetime) -> None:
    """The seat's holder is unenrolled: their enrolment ends as CANCELLED, and they are told.

    The status is changed here rather than by ``enrolment_cancel``: the place
    and the money stay with the company order, and the LMS export follows the
    enrolment's status by itself.
    """
    enrolment = seat.enrolment
    if enrolment is not None and enrolment.status in (EnrolmentStatus.CONFIRMED, EnrolmentStatus.HELD):
        enrolment.status = EnrolmentStatus.CANCELLED
        enrolment.ended_at = now
        enrolment.save(update_fields=["status", "ended_at", "updated_at"])
        emails.notify("seat_revoked", enrolment.pk)
    seat.holder = None
    seat.claimed_at = None
    seat.enrolment = None


def seat_reassign(*, seat: Seat, email: str, by, now: dt.datetime | None = None) -> Seat:
    """Give an assigned or claimed seat to ``email`` instead; the first person is unenrolled."""
    now = now or timezone.now()
    email = _check_email(email)
    with transaction.atomic():
        seat = _locked_seat(seat)
        _check_manageable(seat.order, now)
        if seat.status not in LIVE_SEAT_STATUSES:
            raise SeatRefused(_("This seat no longer exists."))
        if normalise_email(seat.email) == email:
            raise SeatRefused(_("This seat is already assigned to %(email)s.") % {"email": email})
        if reason := _taken_emails(seat.session_id, exclude_seat=seat).get(email):
            raise SeatRefused(_("%(email)s: %(reason)s.") % {"email": email, "reason": reason})
        _end_holder_enrolment(seat, now=now)
        return _assign(seat, email, by=by, now=now)


def seat_revoke(*, seat: Seat, by, now: dt.datetime | None = None) -> Seat:
    """Take a seat back: it is FREE again, its link and code stop working, its holder is unenrolled."""
    now = now or timezone.now()
    with transaction.atomic():
        seat = _locked_seat(seat)
        _check_manageable(seat.order, now)
        if seat.status not in NAMED_SEAT_STATUSES:
            raise SeatRefused(_("This seat is not assigned to anyone."))
        _end_holder_enrolment(seat, now=now)
        seat.status = SeatStatus.FREE
        seat.email = ""
        seat.token = new_seat_token()
        seat.code = None
        seat.assigned_at = None
        seat.assigned_by = None
        seat.reminded_at = None
        seat.save()
        return seat


# --- single-use codes -------------------------------------------------------------------------------


def new_seat_code() -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{CODE_PREFIX}-{body[:4]}-{body[4:]}"


def seat_codes_issue(*, order: Order, by, now: dt.datetime | None = None) -> list[Seat]:
    """A single-use code for each FREE seat that has none; returns every FREE seat's code (the list to hand out)."""
    now = now or timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).select_related("session").get(pk=order.pk)
        _check_manageable(order, now)
        free = list(Seat.objects.select_for_update(of=("self",)).filter(order=order, status=SeatStatus.FREE))
        for seat in free:
            if seat.code:
                continue
            code = new_seat_code()
            while Seat.objects.filter(code=code).exists():  # 31⁸ codes: a clash is rare, not impossible
                code = new_seat_code()
            seat.code = code
            # Who handed the code out: told when it is redeemed.
            seat.assigned_by = by
            seat.save(update_fields=["code", "assigned_by", "updated_at"])
        return free


# --- reminders ----------------------------------------------------------------------------------------


def remind_unassigned_seats(*, now: dt.datetime | None = None) -> int:
    """Remind the managers of orders with free seats, ``COMPANY_SEAT_REMINDER_DAYS`` days before the start.

    Each reminder is recorded in ``order.notices`` (``seats_unassigned_14``…)
    under the order's lock before it is queued, so it goes out once however
    often this runs. An order paid 2 days before the start gets only the
    3-day reminder. Returns the number of reminders queued.
    """
    now = now or timezone.now()
    sent = 0
    shorter_lead = dt.timedelta(0)
    for days in sorted(settings.COMPANY_SEAT_REMINDER_DAYS):
        lead = dt.timedelta(days=days)
        key = f"seats_unassigned_{days}"
        due = (
            Order.objects.filter(
                organisation__isnull=False,
                status__in=USABLE_ORDER_STATUSES,
                session__status=SessionStatus.SCHEDULED,
                session__starts_at__gt=now + shorter_lead,
                session__starts_at__lte=now + lead,
                seats__status=SeatStatus.FREE,
            )
            .exclude(notices__has_key=key)
            .values_list("pk", flat=True)
            .distinct()
        )
        for order_id in list(due):
            with transaction.atomic():
                order = Order.objects.select_for_update().get(pk=order_id)
                if key in order.notices:
                    continue
                order.notices = {**order.notices, key: now.isoformat()}
                order.save(update_fields=["notices", "updated_at"])
                emails.notify("seats_unassigned", order.pk)
                sent += 1
        shorter_lead = lead
    return sent
