"""Refunds across paid instalments, newest first, each with its credit note."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from enrolments.factories import EnrolmentFactory, InstalmentFactory, OrderFactory
from enrolments.models import DummyCheckout, InstalmentStatus, Invoice, InvoiceKind, OrderStatus, Refund
from enrolments.models.orders import RefundStatus
from enrolments.payments.base import PaymentError
from enrolments.services.charging import charge_due_instalments
from enrolments.services.refunds import refund_order
from tests.fakes import stripe as fake_stripe


def paid_order(session, *, card="pm_dummy_works", backend="dummy"):
    """An order whose two instalments of 270 € were charged, a day apart."""
    now = timezone.now()
    order = OrderFactory(
        session=session, status=OrderStatus.ACTIVE, customer_id="cus_1", payment_method_id=card, payment_backend=backend
    )
    EnrolmentFactory(session=session, learner=order.buyer, order=order, withdrawal_ends_at=now - dt.timedelta(days=5))
    older = InstalmentFactory(order=order, number=1, due_on=timezone.localdate(now) - dt.timedelta(days=1))
    newer = InstalmentFactory(order=order, number=2, due_on=timezone.localdate(now))
    charge_due_instalments(now=now - dt.timedelta(days=1))
    charge_due_instalments(now=now)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.status, newer.status) == (InstalmentStatus.PAID, InstalmentStatus.PAID)
    return order, older, newer


def test_a_refund_starts_with_the_newest_payment(session, django_capture_on_commit_callbacks):
    order, older, newer = paid_order(session)

    with django_capture_on_commit_callbacks(execute=True):
        refunds = refund_order(order=order, amount=Decimal("300.00"), reason="cancelled")

    assert [(r.instalment_id, r.amount, r.status) for r in refunds] == [
        (newer.pk, Decimal("270.00"), RefundStatus.SUCCEEDED),
        (older.pk, Decimal("30.00"), RefundStatus.SUCCEEDED),
    ]
    newer.refresh_from_db()
    older.refresh_from_db()
    assert (newer.amount_refunded, older.amount_refunded) == (Decimal("270.00"), Decimal("30.00"))
    keys = set(DummyCheckout.objects.filter(kind="refund").values_list("idempotency_key", flat=True))
    assert keys == {f"refund-{r.pk}" for r in refunds}
    assert Invoice.objects.filter(order=order, kind=InvoiceKind.CREDIT_NOTE).count() == 2


def test_more_than_was_paid_is_refused_before_anything_is_sent(session):
    order, _older, _newer = paid_order(session)

    with pytest.raises(PaymentError):
        refund_order(order=order, amount=Decimal("540.01"), reason="cancelled")

    assert not Refund.objects.exists()
    assert not DummyCheckout.objects.filter(kind="refund").exists()


def test_a_refund_interrupted_by_an_outage_is_sent_again_with_the_same_key(session, monkeypatch, settings):
    fake, _backend = fake_stripe.install(monkeypatch, settings)
    order, _older, newer = paid_order(session, card="pm_card_visa", backend="stripe")
    fake.fail_next[("POST", "/v1/refunds")] = (503, {"error": {"type": "api_error", "message": "Down"}})

    with pytest.raises(PaymentError):
        refund_order(order=order, amount=Decimal("100.00"), reason="cancelled")
    [pending] = Refund.objects.all()
    assert pending.status == RefundStatus.PENDING

    refund_order(order=order, amount=Decimal("100.00"), reason="cancelled")

    [refund] = Refund.objects.all()
    assert refund.status == RefundStatus.SUCCEEDED
    assert [r.idempotency_key for r in fake.sent("POST", "/v1/refunds")] == [f"refund-{refund.pk}"] * 2
    charge = fake.objects[fake.objects[newer.provider_payment_id]["latest_charge"]]
    assert charge["amount_refunded"] == 10000


def test_running_the_same_refund_again_gives_nothing_more(session):
    order, _older, newer = paid_order(session)

    first = refund_order(order=order, amount=Decimal("100.00"), reason="cancelled")
    again = refund_order(order=order, amount=Decimal("100.00"), reason="cancelled")

    assert [(r.amount, r.status) for r in first] == [(Decimal("100.00"), RefundStatus.SUCCEEDED)]
    assert again == []
    newer.refresh_from_db()
    assert newer.amount_refunded == Decimal("100.00")
    assert DummyCheckout.objects.filter(kind="refund").count() == 1
