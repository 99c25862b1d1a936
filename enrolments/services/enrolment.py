"""The enrolment lifecycle: hold a place, confirm, withdraw, cancel, release.

Each service is atomic and locks the session row before it counts places.
Side effects (emails, refunds) run on commit, never inside the transition.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.availability import SessionState
from courses.models import PriceTierKind, Session
from enrolments import emails
from enrolments.models import (
    Enrolment,
    EnrolmentStatus,
    Funding,
    Instalment,
    InstalmentStatus,
    LegalText,
    Order,
    OrderStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from enrolments.models.enrolment import PLACE_USING_STATUSES
from enrolments.services.capacity import free_places, lock_session, sweep_sessions, take_places
from enrolments.services.errors import EnrolmentRefused, SessionFull, TransitionNotAllowed
from enrolments.services.schedule import plan_instalments, refund_share
from enrolments.services.waitlist import claim_offer, offer_free_places
from enrolments.states import check_enrolment_transition

CENT = Decimal("0.01")


def free_place_allowed(email: str) -> bool:
    """Free places are for partner staff, recognised by their email domain."""
    domain = email.rsplit("@", 1)[-1].lower()
    return any(domain == d or domain.endswith("." + d) for d in settings.FREE_PLACE_EMAIL_DOMAINS)


def starts_within_withdrawal_period(session: Session, now: dt.datetime) -> bool:
    """A course starting before the withdrawal period ends needs the learner's consent."""
    return session.starts_at < now + dt.timedelta(days=settings.WITHDRAWAL_PERIOD_DAYS)


def enrolment_start(
    *,
    session: Session,
    learner,
    funding: str,
    terms: LegalText,
    internal_rules: LegalText,
    early_start_consent: bool = False,
    now: dt.datetime | None = None,
) -> Enrolment:
    """Hold a place for ``learner`` and record what they accepted.

    Self-funded: the enrolment is HELD until the card is saved (``enrolment_confirm``).
    Free place: confirmed at once. Returns the learner's live hold if they already have one.
    """
    now = now or timezone.now()
    if funding not in (Funding.SELF, Funding.FREE):
        raise EnrolmentRefused(_("Employers and funders are asked for a quote instead."))
    if funding == Funding.FREE and not free_place_allowed(learner.email):
        raise EnrolmentRefused(_("Free places are reserved for the staff of partner institutions."))
    if not learner.has_legal_profile:
        raise EnrolmentRefused(_("Please complete your name and postal address first: the contract needs them."))
    if _surely_full(session=session, learner=learner, now=now):
        raise SessionFull()
    tier_kind = PriceTierKind.FREE if funding == Funding.FREE else PriceTierKind.INDIVIDUAL
    tier = session.price_tiers.filter(kind=tier_kind).first()
    if tier is None:
        raise EnrolmentRefused(_("This session has no price for this kind of enrolment."))
    if funding == Funding.SELF and starts_within_withdrawal_period(session, now) and not early_start_consent:
        raise EnrolmentRefused(
            _("This course starts before your 10-day withdrawal period ends: please agree to start early.")
        )

    if session.state(now) not in (SessionState.OPEN, SessionState.FULL):
        raise EnrolmentRefused(_("Enrolment is not open for this session."))

    try:
        # Everything that concerns only this learner's rows is written first; the
        # session row is locked last, so the lock covers just the count and the commit.
        # A full session rolls the whole transaction back.
        with transaction.atomic():
            existing = (
                Enrolment.objects.select_for_update(of=("self",))
                .filter(session=session, learner=learner, status__in=PLACE_USING_STATUSES)
                .first()
            )
            reused_place = False
            if existing is not None:
                if existing.status == EnrolmentStatus.HELD and existing.hold_expires_at > now:
                    return existing
                if existing.status != EnrolmentStatus.HELD:
                    raise EnrolmentRefused(_("You are already enrolled in this session."))
                # The learner's own stale hold: its place passes to the new hold.
                _expire(existing, session, now, free_place=False)
                reused_place = True
            offered = claim_offer(session=session, person=learner, now=now)
            order = Order.objects.create(
                buyer=learner,
                session=session,
                funding=funding,
                status=OrderStatus.PENDING,
                price_tier_kind=tier.kind,
                amount_excl_tax=tier.amount_excl_tax,
                amount_incl_tax=tier.amount_incl_tax,
                vat_rate=tier.effective_vat_rate,
                vat_exempt=tier.vat_exempt,
                currency=tier.currency,
                payment_backend=settings.PAYMENT_BACKEND,
            )
            enrolment = Enrolment.objects.create(
                session=session,
                learner=learner,
                order=order,
                status=EnrolmentStatus.HELD,
                hold_expires_at=now + dt.timedelta(minutes=settings.ENROLMENT_HOLD_MINUTES),
                terms=terms,
                internal_rules=internal_rules,
                accepted_at=now,
                early_start_consent_at=now if early_start_consent else None,
            )

            locked = lock_session(session.pk)
            locked.course = session.course  # already loaded: no query under the lock
            if locked.state(now) not in (SessionState.OPEN, SessionState.FULL):
                raise EnrolmentRefused(_("Enrolment is not open for this session."))
            if not (reused_place or offered):
                if locked.places_taken >= locked.capacity:
                    release_expired_holds_locked(session=locked, now=now)
                take_places(locked)
            if order.amount_incl_tax == 0:
                _confirm(enrolment, now=now, customer_id="", payment_method_id="")
            return enrolment
    except IntegrityError:
        # The same learner twice at once (a double click): the other request's hold stands.
        existing = Enrolment.objects.filter(session=session, learner=learner, status__in=PLACE_USING_STATUSES).first()
        if existing is not None and existing.status == EnrolmentStatus.HELD:
            return existing
        raise EnrolmentRefused(_("You are already enrolled in this session.")) from None


_SURELY_FULL_SQL = """
SELECT 1 FROM {session} s
WHERE s.id = %(session)s AND s.places_taken >= s.capacity
  AND NOT EXISTS (SELECT 1 FROM {enrolment} e WHERE e.session_id = s.id
                  AND ((e.status = %(held)s AND e.hold_expires_at <= %(now)s)
                       OR (e.learner_id = %(learner)s AND e.status IN ({using}))))
  AND NOT EXISTS (SELECT 1 FROM {waitlist} w WHERE w.session_id = s.id
                  AND w.person_id = %(learner)s AND w.status = %(offered)s)
"""


def _surely_full(*, session: Session, learner, now: dt.datetime) -> bool:
    """Whether the session is full for this learner, known without taking the lock.

    A crowd arriving for the last places would otherwise queue on the session
    row only to be told it is full. Read outside the lock, the count can only be
    a moment old: the answer is what they would have had a moment earlier. Any
    doubt (a stale hold to release, a place offered or held for this learner)
    goes through the lock. One plain query: this is the path most of a crowd takes.
    """
    using = {f"using{i}": status.value for i, status in enumerate(PLACE_USING_STATUSES)}
    sql = _SURELY_FULL_SQL.format(
        session=Session._meta.db_table,
        enrolment=Enrolment._meta.db_table,
        waitlist=WaitlistEntry._meta.db_table,
        using=", ".join(f"%({name})s" for name in using),
    )
    params = {
        "session": session.pk,
        "learner": learner.pk,
        "now": now,
        "held": EnrolmentStatus.HELD.value,
        "offered": WaitlistStatus.OFFERED.value,
        **using,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # noqa: S608 - table names from the models' own metadata
        return cursor.fetchone() is not None


def enrolment_confirm(
    *, enrolment: Enrolment, customer_id: str, payment_method_id: str, now: dt.datetime | None = None
) -> Enrolment:
    """The card is saved: the contract starts and its schedule is planned. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        session = lock_session(enrolment.session_id)
        enrolment = Enrolment.objects.select_for_update(of=("self",)).select_related("order").get(pk=enrolment.pk)
        if enrolment.status in (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED):
            return enrolment
        check_enrolment_transition(enrolment.status, EnrolmentStatus.CONFIRMED)
        if enrolment.status == EnrolmentStatus.EXPIRED:
            # The card came after the hold expired: only if a place is still free.
            if Enrolment.objects.filter(
                session=session, learner=enrolment.learner_id, status__in=PLACE_USING_STATUSES
            ).exists():
                raise EnrolmentRefused(_("You are already enrolled in this session."))
            take_places(session)
        _confirm(enrolment, now=now, customer_id=customer_id, payment_method_id=payment_method_id)
        return enrolment


def _confirm(enrolment: Enrolment, *, now: dt.datetime, customer_id: str, payment_method_id: str) -> None:
    """Inside a locked transaction: CONFIRMED, contract dates, order active, schedule planned."""
    order = enrolment.order
    enrolment.status = EnrolmentStatus.CONFIRMED
    enrolment.confirmed_at = now
    enrolment.hold_expires_at = None
    if order.funding == Funding.SELF:
        enrolment.withdrawal_ends_at = now + dt.timedelta(days=settings.WITHDRAWAL_PERIOD_DAYS)
    enrolment.save()
    order.customer_id = customer_id or order.customer_id
    order.payment_method_id = payment_method_id or order.payment_method_id
    order.status = OrderStatus.ACTIVE if order.amount_incl_tax > 0 else OrderStatus.PAID
    order.save()
    if order.amount_incl_tax > 0 and not order.instalments.exists():
        session = enrolment.session
        plan = plan_instalments(
            total=order.amount_incl_tax,
            withdrawal_ends_on=timezone.localdate(enrolment.withdrawal_ends_at),
            starts_on=timezone.localdate(session.starts_at),
            ends_on=timezone.localdate(session.ends_at),
            deposit_percent=settings.DEPOSIT_PERCENT,
            max_balance_instalments=settings.BALANCE_MAX_INSTALMENTS,
            single_charge_max_days=settings.BALANCE_SINGLE_CHARGE_MAX_DAYS,
        )
        Instalment.objects.bulk_create(
            Instalment(order=order, number=p.number, due_on=p.due_on, amount=p.amount) for p in plan
        )
    emails.notify("enrolment_confirmed", enrolment.pk)


def enrolment_release_hold(*, enrolment: Enrolment, now: dt.datetime | None = None) -> Enrolment:
    """The learner left the checkout or it expired: free the place. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        session = lock_session(enrolment.session_id)
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status == EnrolmentStatus.HELD:
            _expire(enrolment, session, now)
            offer_free_places(session=session, now=now)
        return enrolment


def _expire(enrolment: Enrolment, session: Session, now: dt.datetime, *, free_place: bool = True) -> None:
    enrolment.status = EnrolmentStatus.EXPIRED
    enrolment.ended_at = now
    enrolment.save(update_fields=["status", "ended_at", "updated_at"])
    Order.objects.filter(pk=enrolment.order_id, status=OrderStatus.PENDING).update(
        status=OrderStatus.CANCELLED, updated_at=now
    )
    if free_place:
        free_places(session)


def release_expired_holds_locked(*, session: Session, now: dt.datetime) -> int:
    """Inside a locked transaction: expire this session's stale holds."""
    stale = list(
        Enrolment.objects.select_for_update().filter(
            session=session, status=EnrolmentStatus.HELD, hold_expires_at__lte=now
        )
    )
    for enrolment in stale:
        _expire(enrolment, session, now)
    return len(stale)


def release_expired_holds(*, now: dt.datetime | None = None) -> int:
    """Expire every stale hold and offer the freed places to the waitlists."""
    now = now or timezone.now()
    return sweep_sessions(
        stale_rows=Enrolment.objects.filter(status=EnrolmentStatus.HELD, hold_expires_at__lte=now),
        release=lambda session: release_expired_holds_locked(session=session, now=now),
        now=now,
    )


def in_withdrawal_period(enrolment: Enrolment, now: dt.datetime) -> bool:
    return bool(enrolment.withdrawal_ends_at and now < enrolment.withdrawal_ends_at)


def enrolment_withdraw(*, enrolment: Enrolment, now: dt.datetime | None = None) -> Enrolment:
    """Withdraw within the 10-day period (L6353-5): free, nothing was charged."""
    now = now or timezone.now()
    _refuse_company_seat(enrolment)
    if not in_withdrawal_period(enrolment, now):
        raise TransitionNotAllowed(_("The withdrawal period is over; you can still cancel."))
    return _end(enrolment, status=EnrolmentStatus.WITHDRAWN, refund_percent=100, now=now)


def enrolment_cancel(*, enrolment: Enrolment, now: dt.datetime | None = None) -> Enrolment:
    """Cancel after the withdrawal period: the cancellation terms decide the refund."""
    now = now or timezone.now()
    _refuse_company_seat(enrolment)
    if in_withdrawal_period(enrolment, now):
        return enrolment_withdraw(enrolment=enrolment, now=now)
    if now >= enrolment.session.starts_at:
        raise TransitionNotAllowed(_("The session has started: please contact us to stop your training."))
    _days, percent = cancellation_share(session=enrolment.session, now=now)
    return _end(enrolment, status=EnrolmentStatus.CANCELLED, refund_percent=percent, now=now)


def _refuse_company_seat(enrolment: Enrolment) -> None:
    """An employee's place belongs to their employer's order: only a manager can revoke it."""
    if enrolment.order_id and Order.objects.filter(pk=enrolment.order_id, organisation__isnull=False).exists():
        raise TransitionNotAllowed(_("Your employer booked this place: please ask your manager to change it."))


def cancellation_share(*, session: Session, now: dt.datetime) -> tuple[int, int]:
    """Whole days before the start (Paris dates) and the share of what was paid a cancellation refunds."""
    days = (timezone.localdate(session.starts_at) - timezone.localdate(now)).days
    return days, refund_share(days_before_start=days, terms=settings.CANCELLATION_TERMS)


def refundable(instalments, percent: int) -> tuple[Decimal, Decimal]:
    """What was paid and not yet refunded, and ``percent`` of it rounded to the cent."""
    paid = sum((i.amount - i.amount_refunded for i in instalments if i.status == InstalmentStatus.PAID), Decimal(0))
    return paid, (paid * percent / 100).quantize(CENT, ROUND_HALF_UP)


def session_cancel(*, session: Session, now: dt.datetime | None = None) -> int:
    """The organiser cancelled the session: every learner is refunded in full and told."""
    now = now or timezone.now()
    ended = 0
    for enrolment in Enrolment.objects.filter(session=session, status__in=PLACE_USING_STATUSES):
        _end(enrolment, status=EnrolmentStatus.CANCELLED_BY_ORGANISER, refund_percent=100, now=now)
        ended += 1
    return ended


def _end(enrolment: Enrolment, *, status: str, refund_percent: int, now: dt.datetime) -> Enrolment:
    """End an enrolment: free its place, stop its schedule, refund a share of what was paid."""
    with transaction.atomic():
        session = lock_session(enrolment.session_id)
        enrolment = Enrolment.objects.select_for_update(of=("self",)).select_related("order").get(pk=enrolment.pk)
        if enrolment.status == status:
            return enrolment
        check_enrolment_transition(enrolment.status, status)
        was_held = enrolment.status == EnrolmentStatus.HELD
        enrolment.status = status
        enrolment.ended_at = now
        enrolment.save(update_fields=["status", "ended_at", "updated_at"])
        order = enrolment.order
        if order.is_company_order:
            # An employee's seat: the place and the money belong to the company order, which
            # its own services settle (``company_release``); only the employee is told here.
            if not was_held:
                emails.notify(_END_EMAILS[status], enrolment.pk)
            return enrolment
        free_places(session)
        order.instalments.filter(status__in=[InstalmentStatus.SCHEDULED, InstalmentStatus.FAILED]).update(
            status=InstalmentStatus.CANCELLED
        )
        order.status = OrderStatus.CANCELLED
        order.save(update_fields=["status", "updated_at"])
        paid = sum(
            (i.amount - i.amount_refunded for i in order.instalments.filter(status=InstalmentStatus.PAID)), Decimal(0)
        )
        refund = (paid * refund_percent / 100).quantize(CENT, ROUND_HALF_UP)
        if refund > 0:
            transaction.on_commit(lambda: _refund(order.pk, refund, status))
        if not was_held:
            emails.notify(_END_EMAILS[status], enrolment.pk)
        if status != EnrolmentStatus.CANCELLED_BY_ORGANISER:
            offer_free_places(session=session, now=now)
        return enrolment


_END_EMAILS = {
    EnrolmentStatus.WITHDRAWN: "enrolment_withdrawn",
    EnrolmentStatus.CANCELLED: "enrolment_cancelled",
    EnrolmentStatus.CANCELLED_BY_ORGANISER: "session_cancelled",
}


def _refund(order_id: int, amount: Decimal, reason: str) -> None:
    # A durable task: the refund survives a crash or a provider outage.
    from enrolments.tasks import refund_order_task

    refund_order_task.enqueue(order_id, str(amount), reason)
