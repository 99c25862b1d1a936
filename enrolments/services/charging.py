"""Charging the saved card on schedule, off-session, and recording what the provider says.

Nothing is ever charged during the withdrawal period (L6353-5). A run claims
each due instalment with a conditional UPDATE (compare-and-set on its status
and attempt count), so two overlapping runs never charge the same instalment.
The provider call happens outside any database transaction, with the
idempotency key ``instalment-<id>-attempt-<n>``: a run that crashed after the
call gets the same payment back when the attempt is driven again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from enrolments.models import EnrolmentStatus, Instalment, InstalmentStatus, Order, OrderStatus
from enrolments.payments import get_backend
from enrolments.payments.base import Payment, PaymentError

logger = logging.getLogger(__name__)

# Enrolments whose schedule runs: the course was bought and not cancelled.
CHARGEABLE_ENROLMENT_STATUSES = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED)


def due_instalments(now: dt.datetime):
    """Instalments to charge at ``now``: due or due for a retry, withdrawal period over."""
    today = timezone.localdate(now)
    return (
        Instalment.objects.filter(
            Q(status=InstalmentStatus.SCHEDULED, due_on__lte=today)
            | Q(status=InstalmentStatus.FAILED, next_attempt_at__lte=now)
        )
        # One filter() call: both conditions hold for the same enrolment row.
        .filter(
            order__status=OrderStatus.ACTIVE,
            order__enrolments__status__in=CHARGEABLE_ENROLMENT_STATUSES,
            order__enrolments__withdrawal_ends_at__lte=now,
        )
        .distinct()
        .select_related("order")
        .order_by("due_on", "pk")
    )


def charge_due_instalments(*, now: dt.datetime | None = None) -> int:
    """Charge every due instalment once; returns how many this run attempted."""
    now = now or timezone.now()
    attempted = 0
    for instalment in list(due_instalments(now)):
        if _claim(instalment):
            _charge_claimed(instalment, now=now)
            attempted += 1
    if attempted:
        logger.info("instalments charged", extra={"attempted": attempted})
    return attempted


def charge_instalment(*, instalment_id: int, now: dt.datetime | None = None) -> Instalment:
    """Charge one instalment now if it is due (finance staff's "retry now"); returns its state."""
    now = now or timezone.now()
    instalment = due_instalments(now).filter(pk=instalment_id).first()
    if instalment is not None and _claim(instalment):
        _charge_claimed(instalment, now=now)
    return Instalment.objects.get(pk=instalment_id)


def _claim(instalment: Instalment) -> bool:
    """Move the instalment to PROCESSING if nobody changed it since we read it."""
    claimed = Instalment.objects.filter(
        pk=instalment.pk, status=instalment.status, attempts=instalment.attempts
    ).update(status=InstalmentStatus.PROCESSING, claimed_at=timezone.now())
    return claimed == 1


# A claim older than this belongs to a run that died between the claim and the provider's answer.
STALE_CLAIM = dt.timedelta(minutes=15)


def release_stale_claims(now: dt.datetime | None = None) -> int:
    """Give instalments a dead run left in PROCESSING back to the schedule.

    The next charge repeats the same idempotency key (``attempts`` did not change), so a
    charge the provider did make is returned, not made twice. An instalment with a
    provider payment id is waiting for the provider's webhook and stays.
    """
    now = now or timezone.now()
    stale = Instalment.objects.filter(
        status=InstalmentStatus.PROCESSING, claimed_at__lt=now - STALE_CLAIM, provider_payment_id=""
    )
    released = stale.filter(attempts=0).update(status=InstalmentStatus.SCHEDULED, claimed_at=None)
    released += stale.filter(attempts__gt=0).update(status=InstalmentStatus.FAILED, claimed_at=None)
    if released:
        logger.warning("instalment claims released", extra={"released": released})
    return released


def _charge_claimed(instalment: Instalment, *, now: dt.datetime) -> None:
    previous_status = instalment.status
    order = instalment.order
    if not order.payment_method_id:
        _record_failure(instalment.pk, message="No saved card.", now=now)
        return
    backend = get_backend(order.payment_backend or None)
    try:
        payment = backend.charge_off_session(
            amount=instalment.amount,
            currency=order.currency,
            customer_id=order.customer_id,
            payment_method_id=order.payment_method_id,
            description=f"{order.reference} #{instalment.number}",
            metadata={"order": order.reference, "instalment": str(instalment.pk)},
            idempotency_key=f"instalment-{instalment.pk}-attempt-{instalment.attempts}",
        )
    except PaymentError as error:
        if error.transient:
            # Unknown outcome: put it back unchanged; the next run repeats the same key.
            Instalment.objects.filter(pk=instalment.pk, status=InstalmentStatus.PROCESSING).update(
                status=previous_status, last_error=str(error)[:500]
            )
            logger.warning("instalment charge postponed", extra={"instalment": instalment.pk, "error": str(error)})
            return
        _record_failure(instalment.pk, message=str(error), now=now)
        return
    if payment.succeeded:
        record_instalment_paid(instalment_id=instalment.pk, payment_id=payment.id, now=now)
    elif payment.status == "processing":
        # Some methods settle later: the payment_intent webhook finishes the job.
        Instalment.objects.filter(pk=instalment.pk).update(provider_payment_id=payment.id)
    else:
        _record_failure(instalment.pk, message=payment.failure_message, now=now, payment_id=payment.id)


def record_instalment_paid(*, instalment_id: int, payment_id: str, now: dt.datetime | None = None) -> Instalment:
    """Mark an instalment paid (idempotent); the order is paid when all are; first payment → invoice."""
    now = now or timezone.now()
    with transaction.atomic():
        instalment = Instalment.objects.select_for_update(of=("self",)).select_related("order").get(pk=instalment_id)
        if instalment.status == InstalmentStatus.PAID:
            if payment_id and instalment.provider_payment_id != payment_id:
                # Paid twice (a retry and the learner's own payment crossed): finance refunds one.
                logger.error(
                    "instalment paid twice",
                    extra={"instalment": instalment_id, "payments": [instalment.provider_payment_id, payment_id]},
                )
            return instalment
        first_payment = not Instalment.objects.filter(order=instalment.order, status=InstalmentStatus.PAID).exists()
        instalment.status = InstalmentStatus.PAID
        instalment.paid_at = now
        instalment.provider_payment_id = payment_id
        instalment.attempts += 1
        instalment.next_attempt_at = None
        instalment.last_error = ""
        instalment.save()
        order = instalment.order
        unpaid = order.instalments.exclude(status__in=[InstalmentStatus.PAID, InstalmentStatus.CANCELLED])
        if order.status == OrderStatus.ACTIVE and not unpaid.exists():
            Order.objects.filter(pk=order.pk).update(status=OrderStatus.PAID, updated_at=now)
        if first_payment:
            transaction.on_commit(lambda: _issue_invoice(order.pk))
    logger.info("instalment paid", extra={"instalment": instalment_id, "payment_id": payment_id})
    return instalment


def _issue_invoice(order_id: int) -> None:
    # After commit: the payment is recorded whatever happens to the document.
    from enrolments.services.invoicing import issue_invoice

    try:
        issue_invoice(order=Order.objects.get(pk=order_id))
    except Exception:
        logger.exception("invoice not issued", extra={"order": order_id})


def _record_failure(instalment_id: int, *, message: str, now: dt.datetime, payment_id: str = "") -> None:
    """A declined attempt: FAILED, next retry planned (none after the last), the learner emailed."""
    from enrolments import emails

    retry_hours = settings.INSTALMENT_RETRY_HOURS
    with transaction.atomic():
        instalment = Instalment.objects.select_for_update().get(pk=instalment_id)
        if instalment.status != InstalmentStatus.PROCESSING:
            return
        instalment.attempts += 1
        instalment.status = InstalmentStatus.FAILED
        # After the last retry it stays failed, for finance staff to follow up.
        failures = instalment.attempts
        instalment.next_attempt_at = (
            now + dt.timedelta(hours=retry_hours[failures - 1]) if failures <= len(retry_hours) else None
        )
        instalment.last_error = (message or "declined")[:500]
        if payment_id:
            instalment.provider_payment_id = payment_id
        instalment.save()
        emails.notify("instalment_failed", instalment.pk)
    logger.info(
        "instalment declined",
        extra={"instalment": instalment_id, "attempts": instalment.attempts, "retry_at": instalment.next_attempt_at},
    )


def sync_payment(*, payment_id: str, backend_name: str | None = None) -> Instalment | None:
    """Reconcile the instalment of a payment with the provider's current state (payment_intent webhooks)."""
    payment = get_backend(backend_name).retrieve_payment(payment_id)
    instalment = _instalment_of(payment)
    if instalment is None:
        return None
    if payment.succeeded:
        return record_instalment_paid(instalment_id=instalment.pk, payment_id=payment.id)
    # A failure is recorded by the charging run that made the attempt (or by the
    # checkout); a late failure event never undoes a payment.
    return instalment


def _instalment_of(payment: Payment) -> Instalment | None:
    instalment = Instalment.objects.filter(provider_payment_id=payment.id).first()
    if instalment is None and payment.metadata.get("instalment", "").isdigit():
        instalment = Instalment.objects.filter(pk=int(payment.metadata["instalment"])).first()
    return instalment
