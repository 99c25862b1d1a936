"""Company orders that end early: unpaid seats released, sessions cancelled, money given back.

A company order took its ``quantity`` places when its quote was accepted. They
are given back here, once, under the session lock, in the transaction that
turns the order CANCELLED: that status change is the guard that makes every
service below safe to run again.

- ``warn_unpaid_orders``: the managers are warned ``COMPANY_UNPAID_WARNING_DAYS``
  days before ``order.release_on`` (each warning once, recorded in ``order.notices``);
- ``release_unpaid_orders``: an order still unpaid on ``release_on`` loses its seats;
- ``cancel_company_orders_for_session``: the organiser cancelled the session;
  card payments are refunded, transfers are flagged for finance staff;
- ``refund_company_order``: finance staff give money back from the admin.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from courses.models import Session
from enrolments import emails
from enrolments.models import (
    EnrolmentStatus,
    Instalment,
    InstalmentStatus,
    Order,
    OrderStatus,
    PaymentWay,
    Quote,
    QuoteStatus,
    Refund,
)
from enrolments.models.orders import RefundStatus
from enrolments.services.capacity import free_places, lock_session, sweep_sessions
from enrolments.services.refunds import refund_order, refundable
from enrolments.services.seats import cancel_order_seats

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
UNPAID_STATUSES = (OrderStatus.PENDING, OrderStatus.INVOICED)
# The refund reason of a cancelled session, as ``services.enrolment._end`` records it for learners.
SESSION_CANCELLED_REASON = EnrolmentStatus.CANCELLED_BY_ORGANISER.value

# Keys of ``order.notices``.
RELEASED = "released"
SESSION_CANCELLED = "session_cancelled"
REFUND_FLAGGED = "refund_flagged"


class CompanyRefundError(ValueError):
    """A refund finance staff asked for that cannot be made; ``message`` is shown to them."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def company_orders() -> QuerySet[Order]:
    return Order.objects.filter(organisation__isnull=False)


def warning_key(days: int) -> str:
    return f"unpaid_warning_{days}"


def warnings_reached(*, release_on: dt.date, today: dt.date) -> list[int]:
    """The warnings (days before the release) whose day has come, most urgent first."""
    days_left = (release_on - today).days
    return sorted(d for d in settings.COMPANY_UNPAID_WARNING_DAYS if 0 < days_left <= d)


def warning_due(*, release_on: dt.date, today: dt.date, notices: dict) -> int | None:
    """The warning to send today, or None: only the most urgent one reached, and never twice.

    A schedule that did not run for a while sends one warning, not a burst of them.
    """
    reached = warnings_reached(release_on=release_on, today=today)
    if not reached or warning_key(reached[0]) in notices:
        return None
    return reached[0]


def _stamp(order: Order, key: str, now: dt.datetime) -> None:
    order.notices = {**order.notices, key: now.isoformat()}


def warn_unpaid_orders(*, now: dt.datetime | None = None) -> int:
    """Warn the managers of every unpaid company order nearing its release date; returns how many."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = today + dt.timedelta(days=max(settings.COMPANY_UNPAID_WARNING_DAYS, default=0))
    candidates = company_orders().filter(status__in=UNPAID_STATUSES, release_on__gt=today, release_on__lte=horizon)
    warned = 0
    for order_id in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            order = Order.objects.select_for_update().filter(pk=order_id, status__in=UNPAID_STATUSES).first()
            if order is None or order.release_on is None:
                continue
            if warning_due(release_on=order.release_on, today=today, notices=order.notices) is None:
                continue
            for days in warnings_reached(release_on=order.release_on, today=today):
                order.notices.setdefault(warning_key(days), now.isoformat())
            order.save(update_fields=["notices", "updated_at"])
            emails.notify("company_unpaid_warning", order.pk)
            warned += 1
    return warned


def release_unpaid_orders(*, now: dt.datetime | None = None) -> int:
    """Release the seats of every company order still unpaid on its release date; returns how many orders.

    One short transaction per session (``capacity.sweep_sessions``); the freed
    places go to the session's waitlist.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = company_orders().filter(status__in=UNPAID_STATUSES, release_on__lte=today)
    return sweep_sessions(
        stale_rows=due, release=lambda session: _release_locked(session=session, today=today, now=now), now=now
    )


def _release_locked(*, session: Session, today: dt.date, now: dt.datetime) -> int:
    # Locked and filtered again: an order paid since the sweep listed it is not released.
    orders = list(
        company_orders()
        .select_for_update()
        .filter(session=session, status__in=UNPAID_STATUSES, release_on__lte=today)
        .order_by("pk")
    )
    for order in orders:
        ended = cancel_order_seats(order=order, enrolment_status=EnrolmentStatus.CANCELLED, now=now)
        free_places(session, order.quantity)
        order.status = OrderStatus.CANCELLED
        _stamp(order, RELEASED, now)
        flag_money_received(order, now)
        order.save(update_fields=["status", "notices", "updated_at"])
        emails.notify("company_seats_released", order.pk)
        for enrolment in ended:
            emails.notify("company_seat_released", enrolment.pk)
        transaction.on_commit(partial(_void_open_invoices, order.pk))
        logger.info("company order released", extra={"order": order.reference, "places": order.quantity})
    return len(orders)


def cancel_company_orders_for_session(*, session: Session, now: dt.datetime | None = None) -> int:
    """The organiser cancelled ``session``: end every company order of it; returns how many.

    Seats and their enrolments end as CANCELLED_BY_ORGANISER, the places come
    back, open invoices are voided, card payments are refunded in full (with
    credit notes), transfers already received are flagged to finance staff,
    and the managers are told. ``enrolment.session_cancel`` has usually ended
    the employees' enrolments (and told them) already: those are left as they
    are. Quotes not yet accepted are cancelled. Safe to run again.
    """
    now = now or timezone.now()
    Quote.objects.filter(session=session, status=QuoteStatus.ISSUED).update(
        status=QuoteStatus.CANCELLED, updated_at=now
    )
    cancelled = 0
    live = company_orders().filter(session=session).exclude(status=OrderStatus.CANCELLED)
    for order_id in list(live.values_list("pk", flat=True)):
        with transaction.atomic():
            locked_session = lock_session(session.pk)
            order = Order.objects.select_for_update().exclude(status=OrderStatus.CANCELLED).filter(pk=order_id).first()
            if order is None:
                continue
            ended = cancel_order_seats(order=order, enrolment_status=EnrolmentStatus.CANCELLED_BY_ORGANISER, now=now)
            for enrolment in ended:
                emails.notify("session_cancelled", enrolment.pk)
            free_places(locked_session, order.quantity)
            order.status = OrderStatus.CANCELLED
            _stamp(order, SESSION_CANCELLED, now)
            if order.payment_way == PaymentWay.CARD:
                amount = card_refund_owed(order)
                if amount > 0:
                    transaction.on_commit(partial(_enqueue_refund, order.pk, amount), robust=True)
            else:
                flag_money_received(order, now)
            order.save(update_fields=["status", "notices", "updated_at"])
            emails.notify("company_session_cancelled", order.pk)
            transaction.on_commit(partial(_void_open_invoices, order.pk))
        cancelled += 1
    return cancelled


# --- money --------------------------------------------------------------------------------


def _paid_instalments(order: Order) -> QuerySet[Instalment]:
    paid = order.instalments.filter(status=InstalmentStatus.PAID)
    if order.payment_way == PaymentWay.CARD:
        # Only a payment the provider knows can be refunded through it.
        paid = paid.exclude(provider_payment_id="")
    return paid


def refundable_amount(order: Order) -> Decimal:
    """What can still be given back on ``order`` (pending refunds count as given)."""
    return sum((refundable(instalment) for instalment in _paid_instalments(order)), ZERO)


def card_refund_owed(order: Order) -> Decimal:
    """The full refund a cancelled session owes a card-paid order: what was paid, less refunds made
    for other reasons. Refunds already made for the cancellation count towards it (``refund_order``)."""
    paid = _paid_instalments(order).aggregate(total=Sum("amount"))["total"] or ZERO
    other = (
        order.refunds.exclude(status=RefundStatus.FAILED)
        .exclude(reason=SESSION_CANCELLED_REASON)
        .aggregate(total=Sum("amount"))["total"]
    )
    return paid - (other or ZERO)


def _enqueue_refund(order_id: int, amount: Decimal) -> None:
    # A durable task, as for learners: the refund survives a crash or a provider outage.
    from enrolments.tasks import refund_order_task

    refund_order_task.enqueue(order_id, str(amount), SESSION_CANCELLED_REASON)


def flag_money_received(order: Order, now: dt.datetime) -> bool:
    """Money a cancelled order received by transfer cannot go back through the provider: tell finance
    staff, once per order. Returns whether it flagged it now; the caller saves ``order.notices``.

    Called when the order is cancelled, and by ``company_settlement.settle_order`` when a
    transfer reaches an order already cancelled.
    """
    if order.payment_way == PaymentWay.CARD or REFUND_FLAGGED in order.notices or refundable_amount(order) <= 0:
        return False
    _stamp(order, REFUND_FLAGGED, now)
    emails.notify("company_refund_to_make", order.pk)
    return True


def _void_open_invoices(order_id: int) -> None:
    # Imported here: company_settlement imports this module (``flag_money_received``).
    from enrolments.services import company_settlement

    order = Order.objects.get(pk=order_id)
    try:
        company_settlement.void_open_invoices(order=order)
    except Exception:
        # The order is cancelled and committed: the invoices can be voided again by hand.
        logger.exception("open invoices of a cancelled company order not voided", extra={"order": order.reference})
    # An invoice found paid at the provider instead (the transfer crossed the release) is recorded
    # by void_open_invoices, and settle_order flags that money to finance staff.


def refund_company_order(*, order: Order, amount: Decimal, reason: str) -> list[Refund]:
    """Give back ``amount`` (tax included) of what a company order paid, each refund with a credit note.

    Paid by card: through the provider (``refunds.refund_order``). Paid by
    transfer: finance staff send the money from the bank; this records the
    refund as made and issues its credit note, in one transaction.
    Raises ``CompanyRefundError`` when more is asked than can be refunded,
    ``PaymentError`` when the provider refuses.
    """
    reason = reason.strip()[:200]
    if amount <= 0:
        raise CompanyRefundError(gettext("The amount to refund must be more than zero."))
    if order.payment_way == PaymentWay.CARD:
        _check_refundable(order, amount)
        # refund_order counts earlier refunds with the same reason towards ``amount``: ask for them too.
        earlier = (
            order.refunds.exclude(status=RefundStatus.FAILED).filter(reason=reason).aggregate(total=Sum("amount"))
        )["total"] or ZERO
        return refund_order(order=order, amount=earlier + amount, reason=reason)
    return _record_transfer_refund(order=order, amount=amount, reason=reason)


def _check_refundable(order: Order, amount: Decimal) -> None:
    available = refundable_amount(order)
    if amount > available:
        raise CompanyRefundError(
            gettext("Cannot refund %(amount)s %(currency)s: only %(available)s %(currency)s can still be refunded.")
            % {"amount": amount, "available": available, "currency": order.currency}
        )


@transaction.atomic
def _record_transfer_refund(*, order: Order, amount: Decimal, reason: str) -> list[Refund]:
    from enrolments.services.invoicing import InvoicingError, issue_credit_note

    order = Order.objects.select_for_update().get(pk=order.pk)
    _check_refundable(order, amount)
    label = gettext("%(reason)s, by bank transfer") % {"reason": reason} if reason else gettext("By bank transfer")
    refunds: list[Refund] = []
    left = amount
    for instalment in _paid_instalments(order).order_by("-paid_at", "-number"):
        share = min(left, refundable(instalment))
        if share <= 0:
            continue
        refund = Refund.objects.create(
            order=order, instalment=instalment, amount=share, reason=label[:200], status=RefundStatus.SUCCEEDED
        )
        instalment.amount_refunded += share
        instalment.save(update_fields=["amount_refunded"])
        try:
            issue_credit_note(refund=refund, by_transfer=True)
        except InvoicingError as error:
            raise CompanyRefundError(gettext("No credit note can be issued for this refund: %s") % error) from error
        refunds.append(refund)
        left -= share
        if left == 0:
            break
    return refunds
