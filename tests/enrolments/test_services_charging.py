"""Charging instalments off-session: never during the withdrawal period, once, retried on decline."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from enrolments.factories import EnrolmentFactory, InstalmentFactory, OrderFactory
from enrolments.models import (
    DummyCheckout,
    EnrolmentStatus,
    Instalment,
    InstalmentStatus,
    Invoice,
    InvoiceKind,
    OrderStatus,
)
from enrolments.services.charging import charge_due_instalments, charge_instalment
from tests.fakes import stripe as fake_stripe


@pytest.fixture
def notified(monkeypatch):
    """The emails queued, as (kind, object id)."""
    from enrolments import emails

    calls = []
    monkeypatch.setattr(emails, "notify", lambda kind, object_id: calls.append((kind, object_id)))
    return calls


def confirmed_order(session, *, withdrawal_ends_at, card="pm_dummy_works", backend="dummy", status=None):
    order = OrderFactory(
        session=session,
        status=OrderStatus.ACTIVE,
        customer_id="cus_dummy_1",
        payment_method_id=card,
        payment_backend=backend,
    )
    EnrolmentFactory(
        session=session,
        learner=order.buyer,
        order=order,
        status=status or EnrolmentStatus.CONFIRMED,
        withdrawal_ends_at=withdrawal_ends_at,
    )
    return order


def payments_made():
    return DummyCheckout.objects.filter(kind="payment").count()


@pytest.fixture
def now():
    return timezone.now()


def test_nothing_is_charged_during_the_withdrawal_period(session, now):
    order = confirmed_order(session, withdrawal_ends_at=now + dt.timedelta(days=3))
    instalment = InstalmentFactory(order=order, due_on=timezone.localdate(now))

    assert charge_due_instalments(now=now) == 0

    instalment.refresh_from_db()
    assert instalment.status == InstalmentStatus.SCHEDULED
    assert payments_made() == 0


def test_a_due_instalment_is_charged_once_even_when_the_run_repeats(session, now):
    order = confirmed_order(session, withdrawal_ends_at=now - dt.timedelta(hours=1))
    instalment = InstalmentFactory(order=order, due_on=timezone.localdate(now), amount=Decimal("270.00"))

    assert charge_due_instalments(now=now) == 1
    assert charge_due_instalments(now=now) == 0

    instalment.refresh_from_db()
    assert instalment.status == InstalmentStatus.PAID
    assert instalment.paid_at == now
    assert instalment.provider_payment_id.startswith("pi_dummy_")
    [payment] = DummyCheckout.objects.filter(kind="payment")
    assert payment.object_id == instalment.provider_payment_id
    assert payment.idempotency_key == f"instalment-{instalment.pk}-attempt-0"
    assert payment.data["amount"] == "270.00"


def test_instalments_not_yet_due_wait(session, now):
    order = confirmed_order(session, withdrawal_ends_at=now - dt.timedelta(days=1))
    InstalmentFactory(order=order, due_on=timezone.localdate(now) + dt.timedelta(days=1))

    assert charge_due_instalments(now=now) == 0
    assert payments_made() == 0


@pytest.mark.parametrize("status", [EnrolmentStatus.WITHDRAWN, EnrolmentStatus.CANCELLED])
def test_an_ended_enrolment_is_not_charged(session, now, status):
    order = confirmed_order(session, withdrawal_ends_at=now - dt.timedelta(days=1), status=status)
    InstalmentFactory(order=order, due_on=timezone.localdate(now))

    assert charge_due_instalments(now=now) == 0
    assert payments_made() == 0


def test_the_order_is_paid_when_every_instalment_is(session, now):
    order = confirmed_order(session, withdrawal_ends_at=now - dt.timedelta(days=1))
    InstalmentFactory(order=order, due_on=timezone.localdate(now) - dt.timedelta(days=1))
    InstalmentFactory(order=order, due_on=timezone.localdate(now))

    assert charge_due_instalments(now=now) == 2

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_a_partly_paid_order_stays_active(session, now):
    order = confirmed_order(session, withdrawal_ends_at=now - dt.timedelta(days=1))
    InstalmentFactory(order=order, due_on=timezone.localdate(now))
    InstalmentFactory(order=order, due_on=timezone.localdate(now) + dt.timedelta(days=30))

    charge_due_instalments(now=now)

    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE


def test_the_first_payment_issues_the_invoice_once(session, now, django_capture_on_commit_callbacks):
    order = confirmed_order(session, withdrawal_ends_at=now - dt.timedelta(days=1))
    InstalmentFactory(order=order, due_on=timezone.localdate(now))
    second = InstalmentFactory(order=order, due_on=timezone.localdate(now) + dt.timedelta(days=30))

    with django_capture_on_commit_callbacks(execute=True):
        charge_due_instalments(now=now)
    assert Invoice.objects.filter(order=order, kind=InvoiceKind.INVOICE).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        charge_due_instalments(now=now + dt.timedelta(days=31))
    second.refresh_from_db()
    assert second.status == InstalmentStatus.PAID
    assert Invoice.objects.filter(order=order, kind=InvoiceKind.INVOICE).count() == 1


def test_a_decline_fails_the_instalment_plans_a_retry_and_emails_the_learner(session, now, notified, settings):
    settings.INSTALMENT_RETRY_HOURS = [24, 72, 168]
    order = confirmed_order(session, withdrawal_ends_at=now - dt.timedelta(days=1), card="pm_dummy_declines")
    instalment = InstalmentFactory(order=order, due_on=timezone.localdate(now))

    assert charge_due_instalments(now=now) == 1

    instalment.refresh_from_db()
    assert instalment.status == InstalmentStatus.FAILED
    assert instalment.attempts == 1
    assert instalment.next_attempt_at == now + dt.timedelta(hours=24)
    assert instalment.last_error == "Your card was declined."
    assert notified == [("instalment_failed", instalment.pk)]


def test_a_failed_instalment_is_retried_on_schedule_then_left_to_finance(session, now, notified, settings):
    settings.INSTALMENT_RETRY_HOURS = [24, 72, 168]
    order = confirmed_order(session, withdrawal_ends_at=now - dt.timedelta(days=1), card="pm_dummy_declines")
    instalment = InstalmentFactory(order=order, due_on=timezone.localdate(now))
    charge_due_instalments(now=now)

    # Not before the planned retry.
    assert charge_due_instalments(now=now + dt.timedelta(hours=23)) == 0
    moment = now
    for hours in [24, 72, 168]:
        moment += dt.timedelta(hours=hours)
        assert charge_due_instalments(now=moment) == 1

    instalment.refresh_from_db()
    assert instalment.status == InstalmentStatus.FAILED
    assert instalment.attempts == 4
    assert instalment.next_attempt_at is None
    assert charge_due_instalments(now=moment + dt.timedelta(days=60)) == 0
    assert len(notified) == 4
    keys = sorted(DummyCheckout.objects.filter(kind="payment").values_list("idempotency_key", flat=True))
    assert keys == [f"instalment-{instalment.pk}-attempt-{n}" for n in range(4)]


def test_a_retry_with_a_working_card_pays(session, now, notified):
    order = confirmed_order(session, withdrawal_ends_at=now - dt.timedelta(days=1), card="pm_dummy_declines")
    instalment = InstalmentFactory(order=order, due_on=timezone.localdate(now))
    charge_due_instalments(now=now)
    order.payment_method_id = "pm_dummy_works"
    order.save()

    charged = charge_instalment(instalment_id=instalment.pk, now=now + dt.timedelta(days=2))

    assert charged.status == InstalmentStatus.PAID
    assert charged.attempts == 2


def test_a_provider_outage_leaves_the_instalment_for_the_next_run_with_the_same_key(
    session, now, monkeypatch, settings
):
    fake, _backend = fake_stripe.install(monkeypatch, settings)
    order = confirmed_order(
        session, withdrawal_ends_at=now - dt.timedelta(days=1), card="pm_card_visa", backend="stripe"
    )
    instalment = InstalmentFactory(order=order, due_on=timezone.localdate(now))
    fake.fail_next[("POST", "/v1/payment_intents")] = (503, {"error": {"type": "api_error", "message": "Down"}})

    assert charge_due_instalments(now=now) == 1
    instalment.refresh_from_db()
    assert (instalment.status, instalment.attempts) == (InstalmentStatus.SCHEDULED, 0)

    charge_due_instalments(now=now)

    instalment.refresh_from_db()
    assert instalment.status == InstalmentStatus.PAID
    keys = [r.idempotency_key for r in fake.sent("POST", "/v1/payment_intents")]
    assert keys == [f"instalment-{instalment.pk}-attempt-0"] * 2


def test_a_stripe_decline_is_recorded_with_its_message(session, now, monkeypatch, settings, notified):
    fake_stripe.install(monkeypatch, settings)
    order = confirmed_order(
        session, withdrawal_ends_at=now - dt.timedelta(days=1), card=fake_stripe.DECLINING_CARD, backend="stripe"
    )
    instalment = InstalmentFactory(order=order, due_on=timezone.localdate(now))

    charge_due_instalments(now=now)

    instalment.refresh_from_db()
    assert instalment.status == InstalmentStatus.FAILED
    assert instalment.last_error == "Your card has insufficient funds."
    assert instalment.provider_payment_id.startswith("pi_")


# Decided before any database setup: a skipped transactional test would still flush the tables.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent runs need PostgreSQL row locking")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_charge_an_instalment_once(wagtail_tree, session):
    now = timezone.now()
    order = confirmed_order(session, withdrawal_ends_at=now - dt.timedelta(days=1))
    instalments = [InstalmentFactory(order=order, due_on=timezone.localdate(now)) for _ in range(5)]
    barrier = threading.Barrier(2)
    counts = []

    def run():
        barrier.wait()
        try:
            counts.append(charge_due_instalments(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(counts) == 5
    assert payments_made() == 5
    assert set(Instalment.objects.filter(pk__in=[i.pk for i in instalments]).values_list("status", flat=True)) == {
        InstalmentStatus.PAID
    }


def test_an_instalment_left_processing_by_a_dead_run_is_charged_once_later(session, now):
    from enrolments.payments import get_backend
    from enrolments.services.charging import release_stale_claims

    order = confirmed_order(session, withdrawal_ends_at=now - dt.timedelta(days=1))
    stale = InstalmentFactory(order=order, number=1, due_on=timezone.localdate(now), amount=Decimal("270.00"))
    fresh = InstalmentFactory(order=order, number=2, due_on=timezone.localdate(now), amount=Decimal("630.00"))
    waiting = InstalmentFactory(order=order, number=3, due_on=timezone.localdate(now), provider_payment_id="pi_123")
    # A run claimed all three, then died before the provider answered.
    Instalment.objects.filter(pk=stale.pk).update(
        status=InstalmentStatus.PROCESSING, claimed_at=now - dt.timedelta(minutes=20)
    )
    Instalment.objects.filter(pk__in=[fresh.pk, waiting.pk]).update(
        status=InstalmentStatus.PROCESSING, claimed_at=now - dt.timedelta(minutes=20)
    )
    Instalment.objects.filter(pk=fresh.pk).update(claimed_at=now - dt.timedelta(minutes=2))
    # The provider did take the first charge before the run died.
    get_backend("dummy").charge_off_session(
        amount=stale.amount,
        currency="EUR",
        customer_id=order.customer_id,
        payment_method_id=order.payment_method_id,
        description="",
        metadata={},
        idempotency_key=f"instalment-{stale.pk}-attempt-0",
    )
    assert payments_made() == 1

    assert release_stale_claims(now=now) == 1
    assert charge_due_instalments(now=now) == 1
    stale.refresh_from_db()
    assert stale.status == InstalmentStatus.PAID
    assert payments_made() == 1
    # Another run a while later: nothing is charged twice, the others stay with their owners.
    assert release_stale_claims(now=now + dt.timedelta(minutes=1)) == 0
    assert charge_due_instalments(now=now) == 0
    assert payments_made() == 1
    fresh.refresh_from_db()
    waiting.refresh_from_db()
    assert (fresh.status, waiting.status) == (InstalmentStatus.PROCESSING, InstalmentStatus.PROCESSING)
