"""Refunds: money given back across the paid instalments of an order, each with a credit note.

A ``Refund`` row is written before the provider is called, so its id makes the
idempotency key (``refund-<id>``). A refund left PENDING by a provider outage is
sent again, with the same key, by the next ``refund_order`` call for the order:
retrying the same request never gives back more than asked.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext

from enrolments.models import Instalment, InstalmentStatus, Order, Refund
from enrolments.models.orders import RefundStatus
from enrolments.payments import get_backend
from enrolments.payments.base import PaymentError

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")


def refundable(instalment: Instalment) -> Decimal:
    """What can still be given back on a paid instalment (pending refunds count as given)."""
    committed = instalment.refunds.exclude(status=RefundStatus.FAILED).aggregate(total=Sum("amount"))["total"]
    return instalment.amount - (committed or ZERO)


def refund_order(*, order: Order, amount: Decimal, reason: str) -> list[Refund]:
    """Give back ``amount`` of what ``order`` paid, newest instalment first.

    Each refund gets a credit note. ``amount`` is the total owed for ``reason``:
    refunds already made or pending for the same reason count towards it, so
    running the same request again (a retried task) gives nothing more.
    Pending ones are sent first. Raises ``PaymentError`` when more is asked than
    was paid, or when the provider refuses (a refused refund is kept as FAILED
    for finance staff).
    """
    earlier = list(
        Refund.objects.filter(order=order, reason=reason[:200])
        .exclude(status=RefundStatus.FAILED)
        .select_related("instalment")
    )
    refunds = [r for r in earlier if r.status == RefundStatus.PENDING and not r.provider_refund_id]
    remaining = amount - sum((r.amount for r in earlier), ZERO)
    if remaining > 0:
        refunds += _plan(order=order, amount=remaining, reason=reason)
    return [_send(refund) for refund in refunds]


def _plan(*, order: Order, amount: Decimal, reason: str) -> list[Refund]:
    """Write the PENDING refunds that split ``amount`` over the paid instalments."""
    with transaction.atomic():
        Order.objects.select_for_update().filter(pk=order.pk).values_list("pk", flat=True).get()
        paid = order.instalments.filter(status=InstalmentStatus.PAID).exclude(provider_payment_id="")
        planned: list[Refund] = []
        left = amount
        for instalment in paid.order_by("-paid_at", "-number"):
            share = min(left, refundable(instalment))
            if share > 0:
                planned.append(
                    Refund.objects.create(order=order, instalment=instalment, amount=share, reason=reason[:200])
                )
                left -= share
            if left == 0:
                break
        if left > 0:
            raise PaymentError(
                gettext("Cannot refund %(amount)s: only %(paid)s can still be refunded.")
                % {"amount": amount, "paid": amount - left},
                code="amount_too_large",
            )
    return planned


def _send(refund: Refund) -> Refund:
    instalment = refund.instalment
    backend = get_backend(refund.order.payment_backend or None)
    try:
        result = backend.refund(
            payment_id=instalment.provider_payment_id,
            amount=refund.amount,
            idempotency_key=f"refund-{refund.pk}",
            reason=refund.reason,
        )
    except PaymentError as error:
        if not error.transient:
            Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.FAILED)
        logger.warning("refund failed", extra={"refund": refund.pk, "transient": error.transient, "error": str(error)})
        raise
    with transaction.atomic():
        refund.provider_refund_id = result.id
        refund.status = RefundStatus.SUCCEEDED if result.status == "succeeded" else RefundStatus.PENDING
        if result.status == "failed":
            refund.status = RefundStatus.FAILED
        refund.save(update_fields=["provider_refund_id", "status"])
        if refund.status == RefundStatus.SUCCEEDED:
            Instalment.objects.filter(pk=instalment.pk).update(amount_refunded=F("amount_refunded") + refund.amount)
    logger.info("refund sent", extra={"refund": refund.pk, "provider_refund_id": result.id, "status": refund.status})
    if refund.status != RefundStatus.FAILED:
        _credit_note(refund)
    return refund


def _credit_note(refund: Refund) -> None:
    from enrolments.services.invoicing import issue_credit_note

    try:
        issue_credit_note(refund=refund)
    except Exception:
        # The money went back; the document can be issued again later (it is idempotent).
        logger.exception("credit note not issued", extra={"refund": refund.pk})


def sync_refunds(*, payment_id: str, backend_name: str | None = None) -> Instalment | None:
    """Reconcile an instalment's refunds with the provider (charge.refunded).

    Our pending refunds are settled up to what the provider says was refunded;
    anything refunded beyond our records (from the provider's dashboard) is
    recorded as a refund of its own, with its credit note.
    """
    payment = get_backend(backend_name).retrieve_payment(payment_id)
    instalment = Instalment.objects.filter(provider_payment_id=payment_id).select_related("order").first()
    if instalment is None:
        return None
    created: Refund | None = None
    with transaction.atomic():
        instalment = Instalment.objects.select_for_update(of=("self",)).select_related("order").get(pk=instalment.pk)
        ours = list(instalment.refunds.exclude(status=RefundStatus.FAILED).order_by("created_at", "pk"))
        settled = ZERO
        for refund in ours:
            settled += refund.amount
            confirmed = settled <= payment.amount_refunded and refund.provider_refund_id
            if refund.status == RefundStatus.PENDING and confirmed:
                refund.status = RefundStatus.SUCCEEDED
                refund.save(update_fields=["status"])
        outside = payment.amount_refunded - settled
        if outside > 0:
            created = Refund.objects.create(
                order=instalment.order,
                instalment=instalment,
                amount=outside,
                reason=gettext("Refunded from the payment provider"),
                status=RefundStatus.SUCCEEDED,
            )
        instalment.amount_refunded = payment.amount_refunded
        instalment.save(update_fields=["amount_refunded"])
    if created is not None:
        _credit_note(created)
    return instalment
