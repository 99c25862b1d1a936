"""Hosted checkouts: opening them, and acting on their outcome.

``start_card_checkout`` saves the learner's card while a place is held (setup
mode: nothing is charged during the withdrawal period). ``start_instalment_checkout``
pays a failed instalment now and saves the new card. ``fulfil_checkout`` is called
by the return page and by the webhook, in any order and any number of times: it
always asks the provider for the checkout's *current* state and acts on that.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from enrolments.models import Enrolment, EnrolmentStatus, Instalment, InstalmentStatus, Order
from enrolments.payments import get_backend
from enrolments.payments.base import CheckoutSession
from enrolments.services.charging import record_instalment_paid
from enrolments.services.errors import TransitionNotAllowed

logger = logging.getLogger(__name__)

PAYABLE_NOW = (InstalmentStatus.FAILED, InstalmentStatus.SCHEDULED)


def _metadata(order: Order, enrolment: Enrolment, language: str | None) -> dict[str, str]:
    return {
        "order": order.reference,
        "enrolment": str(enrolment.public_id),
        "language": language or translation.get_language() or settings.LANGUAGE_CODE,
    }


def start_card_checkout(*, enrolment: Enrolment, success_url: str, cancel_url: str, language: str | None = None) -> str:
    """The URL of a checkout that saves the learner's card for a HELD enrolment.

    An open checkout of this order is reused, so a reload does not open a second one.
    ``success_url`` may contain ``{CHECKOUT_SESSION_ID}``.
    """
    now = timezone.now()
    if enrolment.status != EnrolmentStatus.HELD or (enrolment.hold_expires_at and enrolment.hold_expires_at <= now):
        raise TransitionNotAllowed(_("Your place is no longer held: please start your enrolment again."))
    order = enrolment.order
    backend = get_backend(order.payment_backend or None)
    if order.checkout_id:
        current = backend.retrieve_checkout(order.checkout_id)
        if current.status == "open":
            return current.url
    minutes_left = int((enrolment.hold_expires_at - now).total_seconds() // 60) if enrolment.hold_expires_at else 30
    checkout = backend.create_checkout(
        mode="setup",
        amount=order.amount_incl_tax,
        currency=order.currency,
        description=str(order.session),
        customer_email=order.buyer.email,
        customer_id=order.customer_id,
        success_url=success_url,
        cancel_url=cancel_url,
        metadata=_metadata(order, enrolment, language),
        # Fresh per checkout; the client reuses it for its own retries of this request.
        idempotency_key=f"checkout-{order.reference}-{secrets.token_hex(6)}",
        expires_in_minutes=max(minutes_left, 1),
    )
    Order.objects.filter(pk=order.pk).update(
        payment_backend=backend.name,
        customer_id=checkout.customer_id or order.customer_id,
        checkout_id=checkout.id,
        checkout_url=checkout.url,
        updated_at=now,
    )
    return checkout.url


def start_instalment_checkout(
    *, instalment: Instalment, success_url: str, cancel_url: str, language: str | None = None
) -> str:
    """The URL of a checkout that pays ``instalment`` now and saves the card for the next ones."""
    instalment = Instalment.objects.select_related("order").get(pk=instalment.pk)
    if instalment.status not in PAYABLE_NOW:
        raise TransitionNotAllowed(_("This instalment cannot be paid now."))
    order = instalment.order
    enrolment = order.enrolments.first()
    if enrolment is None:
        raise TransitionNotAllowed(_("This instalment cannot be paid now."))
    backend = get_backend(order.payment_backend or None)
    metadata = _metadata(order, enrolment, language) | {"instalment": str(instalment.pk)}
    checkout = backend.create_checkout(
        mode="payment",
        amount=instalment.amount,
        currency=order.currency,
        description=f"{order.session} — {order.reference} #{instalment.number}",
        customer_email=order.buyer.email,
        customer_id=order.customer_id,
        success_url=success_url,
        cancel_url=cancel_url,
        metadata=metadata,
        idempotency_key=f"instalment-{instalment.pk}-checkout-{secrets.token_hex(6)}",
        expires_in_minutes=60,
    )
    return checkout.url


def fulfil_checkout(*, checkout_id: str, backend_name: str | None = None) -> None:
    """Act on the checkout's current state at the provider. Idempotent.

    complete (setup) → the enrolment is confirmed with the saved card;
    complete and paid (instalment) → the instalment is paid and the card saved;
    expired → the held place is released. May raise ``EnrolmentError`` (for
    instance ``SessionFull`` when the card came after the hold expired and the
    place was taken): the caller shows its message.
    """
    checkout = get_backend(backend_name).retrieve_checkout(checkout_id)
    if checkout.metadata.get("order") and not checkout.metadata.get("enrolment"):
        # A company paying its seats: no enrolment yet, the order gets a seat pool.
        from enrolments.services.company_payments import fulfil_company_checkout

        fulfil_company_checkout(checkout)
        return
    enrolment = _enrolment_of(checkout)
    if enrolment is None:
        logger.warning("checkout without a known enrolment", extra={"checkout_id": checkout_id})
        return
    logger.info(
        "fulfil checkout",
        extra={"checkout_id": checkout.id, "status": checkout.status, "enrolment": str(enrolment.public_id)},
    )
    if checkout.metadata.get("instalment"):
        _fulfil_instalment(checkout, enrolment.order)
    elif checkout.mode == "setup":
        _fulfil_card(checkout, enrolment)


def _enrolment_of(checkout: CheckoutSession) -> Enrolment | None:
    try:
        public_id = uuid.UUID(checkout.metadata.get("enrolment", ""))
    except ValueError:
        return None
    enrolment = Enrolment.objects.select_related("order").filter(public_id=public_id).first()
    if enrolment is None or enrolment.order is None or enrolment.order.reference != checkout.metadata.get("order"):
        return None
    return enrolment


def _fulfil_card(checkout: CheckoutSession, enrolment: Enrolment) -> None:
    from enrolments.services.enrolment import enrolment_confirm, enrolment_release_hold

    if checkout.status == "complete" and checkout.payment_method_id:
        enrolment_confirm(
            enrolment=enrolment, customer_id=checkout.customer_id, payment_method_id=checkout.payment_method_id
        )
    elif checkout.status == "expired" and enrolment.order.checkout_id in ("", checkout.id):
        # Only the order's current checkout: an older one expiring must not drop a newer attempt.
        enrolment_release_hold(enrolment=enrolment)


def _fulfil_instalment(checkout: CheckoutSession, order: Order) -> None:
    instalment_id = checkout.metadata["instalment"]
    instalment = order.instalments.filter(pk=int(instalment_id)).first() if instalment_id.isdigit() else None
    if instalment is None or checkout.status != "complete" or checkout.payment_status != "paid":
        return
    now = timezone.now()
    with transaction.atomic():
        record_instalment_paid(instalment_id=instalment.pk, payment_id=checkout.payment_intent_id, now=now)
        if checkout.payment_method_id and checkout.payment_method_id != order.payment_method_id:
            Order.objects.filter(pk=order.pk).update(
                customer_id=checkout.customer_id or order.customer_id,
                payment_method_id=checkout.payment_method_id,
                updated_at=now,
            )
            # A new card: the other failed instalments are tried with it at the next run.
            retry_now = now - dt.timedelta(seconds=1)
            order.instalments.filter(status=InstalmentStatus.FAILED).update(next_attempt_at=retry_now)
