"""Stripe's webhook: signed events, replays, events out of order; the provider's current state wins."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from enrolments.models import (
    EnrolmentStatus,
    Funding,
    Instalment,
    InstalmentStatus,
    OrderStatus,
    Refund,
    WebhookEvent,
)
from enrolments.models.orders import RefundStatus
from enrolments.services.enrolment import enrolment_start
from enrolments.services.fulfilment import start_card_checkout, start_instalment_checkout
from tests.fakes import stripe as fake_stripe

URL = reverse("payments:stripe_webhook")


@pytest.fixture
def stripe_fake(monkeypatch, settings):
    fake, _backend = fake_stripe.install(monkeypatch, settings)
    return fake


@pytest.fixture
def held(stripe_fake, session, learner, legal_texts):
    """A held enrolment whose card checkout is open at (fake) Stripe."""
    enrolment = enrolment_start(
        session=session,
        learner=learner,
        funding=Funding.SELF,
        terms=legal_texts["terms"],
        internal_rules=legal_texts["rules"],
    )
    start_card_checkout(
        enrolment=enrolment, success_url="https://formation.example/ok/", cancel_url="https://formation.example/no/"
    )
    enrolment.refresh_from_db()
    enrolment.order.refresh_from_db()
    return enrolment


def post_event(client, fake, event_type, obj, event_id=None, secret=fake_stripe.WEBHOOK_SECRET):
    body, signature = fake.event(event_type, obj, secret=secret, event_id=event_id)
    return client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def test_checkout_completed_confirms_the_enrolment_with_the_saved_card(client, stripe_fake, held):
    session = stripe_fake.complete_setup(held.order.checkout_id, payment_method="pm_card_visa")

    response = post_event(client, stripe_fake, "checkout.session.completed", session)

    assert response.status_code == 200
    held.refresh_from_db()
    assert held.status == EnrolmentStatus.CONFIRMED
    order = held.order
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    assert order.payment_method_id == "pm_card_visa"
    assert order.customer_id == session["customer"]
    assert order.instalments.count() > 0


def test_a_bad_signature_is_refused_and_changes_nothing(client, stripe_fake, held):
    session = stripe_fake.complete_setup(held.order.checkout_id)

    response = post_event(client, stripe_fake, "checkout.session.completed", session, secret="whsec_forged")

    assert response.status_code == 400
    held.refresh_from_db()
    assert held.status == EnrolmentStatus.HELD
    assert not WebhookEvent.objects.exists()


def test_a_request_without_signature_is_refused(client, stripe_fake, held):
    response = client.post(URL, data="{}", content_type="application/json")

    assert response.status_code == 400


def test_get_is_not_allowed(client, stripe_fake):
    assert client.get(URL).status_code == 405


def test_the_same_event_replayed_ten_times_confirms_once(client, stripe_fake, held):
    session = stripe_fake.complete_setup(held.order.checkout_id)

    responses = [
        post_event(client, stripe_fake, "checkout.session.completed", session, event_id="evt_replayed")
        for _ in range(10)
    ]

    assert [r.status_code for r in responses] == [200] * 10
    held.refresh_from_db()
    assert held.status == EnrolmentStatus.CONFIRMED
    assert held.session.enrolments.filter(status=EnrolmentStatus.CONFIRMED).count() == 1
    numbers = list(held.order.instalments.values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    assert WebhookEvent.objects.filter(event_id="evt_replayed").count() == 1


def test_expired_arriving_after_completed_keeps_the_enrolment(client, stripe_fake, held):
    open_snapshot = dict(stripe_fake.objects[held.order.checkout_id])
    session = stripe_fake.complete_setup(held.order.checkout_id)
    post_event(client, stripe_fake, "checkout.session.completed", session)

    # A stale "expired" snapshot: Stripe's current object says complete.
    response = post_event(client, stripe_fake, "checkout.session.expired", open_snapshot | {"status": "expired"})

    assert response.status_code == 200
    held.refresh_from_db()
    assert held.status == EnrolmentStatus.CONFIRMED


def test_an_expired_checkout_releases_the_place(client, stripe_fake, held):
    session = stripe_fake.expire(held.order.checkout_id)

    post_event(client, stripe_fake, "checkout.session.expired", session)

    held.refresh_from_db()
    assert held.status == EnrolmentStatus.EXPIRED
    assert held.session.__class__.objects.get(pk=held.session_id).places_taken == 0


def test_a_completed_event_for_a_checkout_that_expired_confirms_nothing(client, stripe_fake, held):
    snapshot = dict(stripe_fake.objects[held.order.checkout_id]) | {"status": "complete"}
    stripe_fake.expire(held.order.checkout_id)

    post_event(client, stripe_fake, "checkout.session.completed", snapshot)

    held.refresh_from_db()
    assert held.status == EnrolmentStatus.EXPIRED


def test_an_older_checkout_expiring_does_not_release_a_newer_one(client, stripe_fake, held):
    old = stripe_fake.objects[held.order.checkout_id]
    stripe_fake.expire(old["id"])
    # The learner came back: a new checkout is now the order's current one.
    held.order.__class__.objects.filter(pk=held.order_id).update(checkout_id="cs_test_newer")

    post_event(client, stripe_fake, "checkout.session.expired", old)

    held.refresh_from_db()
    assert held.status == EnrolmentStatus.HELD


@pytest.fixture
def confirmed(client, stripe_fake, held):
    session = stripe_fake.complete_setup(held.order.checkout_id, payment_method="pm_card_visa")
    post_event(client, stripe_fake, "checkout.session.completed", session)
    held.refresh_from_db()
    return held


@pytest.mark.parametrize("event_type", ["checkout.session.completed", "checkout.session.async_payment_succeeded"])
def test_a_paid_instalment_checkout_pays_it_and_saves_the_new_card(client, stripe_fake, confirmed, event_type):
    instalment = confirmed.order.instalments.first()
    Instalment.objects.filter(pk=instalment.pk).update(status=InstalmentStatus.FAILED, attempts=1)
    start_instalment_checkout(
        instalment=instalment, success_url="https://f.example/ok", cancel_url="https://f.example/"
    )
    create = stripe_fake.sent("POST", "/v1/checkout/sessions")[-1]
    session = next(o for o in stripe_fake.objects.values() if o.get("metadata", {}).get("instalment"))
    assert create.params["mode"] == "payment"
    session = stripe_fake.complete_payment(session["id"], payment_method="pm_card_new")

    response = post_event(client, stripe_fake, event_type, session)

    assert response.status_code == 200
    instalment.refresh_from_db()
    assert instalment.status == InstalmentStatus.PAID
    assert instalment.provider_payment_id == session["payment_intent"]
    confirmed.order.refresh_from_db()
    assert confirmed.order.payment_method_id == "pm_card_new"


def test_an_async_payment_failure_leaves_the_instalment_unpaid(client, stripe_fake, confirmed):
    instalment = confirmed.order.instalments.first()
    Instalment.objects.filter(pk=instalment.pk).update(status=InstalmentStatus.FAILED, attempts=1)
    start_instalment_checkout(
        instalment=instalment, success_url="https://f.example/ok", cancel_url="https://f.example/"
    )
    session = next(o for o in stripe_fake.objects.values() if o.get("metadata", {}).get("instalment"))
    session.update(status="complete", payment_status="unpaid")

    response = post_event(client, stripe_fake, "checkout.session.async_payment_failed", session)

    assert response.status_code == 200
    instalment.refresh_from_db()
    assert instalment.status == InstalmentStatus.FAILED


def charged_instalment(stripe_fake, confirmed, payment_method="pm_card_visa"):
    """An instalment whose off-session payment exists at Stripe (as a charging run would leave it)."""
    instalment = confirmed.order.instalments.first()
    status, intent = stripe_fake._create_payment_intent(
        {
            "amount": str(int(instalment.amount * 100)),
            "currency": "eur",
            "customer": confirmed.order.customer_id,
            "payment_method": payment_method,
            "metadata": {"order": confirmed.order.reference, "instalment": str(instalment.pk)},
        }
    )
    if status == 402:
        intent = intent["error"]["payment_intent"]
    Instalment.objects.filter(pk=instalment.pk).update(status=InstalmentStatus.PROCESSING)
    return instalment, intent


def test_payment_succeeded_marks_the_instalment_paid(client, stripe_fake, confirmed):
    instalment, intent = charged_instalment(stripe_fake, confirmed)

    response = post_event(client, stripe_fake, "payment_intent.succeeded", intent)

    assert response.status_code == 200
    instalment.refresh_from_db()
    assert (instalment.status, instalment.provider_payment_id) == (InstalmentStatus.PAID, intent["id"])


def test_payment_failed_arriving_after_succeeded_keeps_it_paid(client, stripe_fake, confirmed):
    instalment, intent = charged_instalment(stripe_fake, confirmed)
    post_event(client, stripe_fake, "payment_intent.succeeded", intent)

    stale = intent | {"status": "requires_payment_method"}
    response = post_event(client, stripe_fake, "payment_intent.payment_failed", stale)

    assert response.status_code == 200
    instalment.refresh_from_db()
    assert instalment.status == InstalmentStatus.PAID


def test_payment_failed_whose_payment_now_succeeded_marks_it_paid(client, stripe_fake, confirmed):
    instalment, intent = charged_instalment(stripe_fake, confirmed)

    post_event(client, stripe_fake, "payment_intent.payment_failed", intent | {"status": "requires_payment_method"})

    instalment.refresh_from_db()
    assert instalment.status == InstalmentStatus.PAID


def test_a_declined_payment_event_does_not_mark_anything_paid(client, stripe_fake, confirmed):
    instalment, intent = charged_instalment(stripe_fake, confirmed, payment_method=fake_stripe.DECLINING_CARD)

    response = post_event(client, stripe_fake, "payment_intent.payment_failed", intent)

    assert response.status_code == 200
    instalment.refresh_from_db()
    assert instalment.status == InstalmentStatus.PROCESSING


def test_charge_refunded_records_a_refund_made_at_stripe(client, stripe_fake, confirmed):
    instalment, intent = charged_instalment(stripe_fake, confirmed)
    post_event(client, stripe_fake, "payment_intent.succeeded", intent)
    stripe_fake._create_refund({"payment_intent": intent["id"], "amount": "5000"})
    charge = stripe_fake.objects[intent["latest_charge"]]

    response = post_event(client, stripe_fake, "charge.refunded", charge)

    assert response.status_code == 200
    instalment.refresh_from_db()
    assert instalment.amount_refunded == Decimal("50.00")
    [refund] = Refund.objects.filter(instalment=instalment)
    assert (refund.amount, refund.status) == (Decimal("50.00"), RefundStatus.SUCCEEDED)


def test_unknown_event_types_are_acknowledged_and_ignored(client, stripe_fake, held):
    response = post_event(client, stripe_fake, "customer.created", {"id": "cus_x", "object": "customer"})

    assert response.status_code == 200
    held.refresh_from_db()
    assert held.status == EnrolmentStatus.HELD


def test_stripe_unreachable_answers_503_so_stripe_retries(client, stripe_fake, held):
    session = stripe_fake.complete_setup(held.order.checkout_id)
    path = f"/v1/checkout/sessions/{session['id']}"
    stripe_fake.fail_next[("GET", path)] = (503, {"error": {"type": "api_error", "message": "down"}})

    first = post_event(client, stripe_fake, "checkout.session.completed", session, event_id="evt_retry")
    second = post_event(client, stripe_fake, "checkout.session.completed", session, event_id="evt_retry")

    assert (first.status_code, second.status_code) == (503, 200)
    held.refresh_from_db()
    assert held.status == EnrolmentStatus.CONFIRMED


def test_an_event_for_an_unknown_checkout_is_acknowledged(client, stripe_fake, held):
    stripe_fake.objects["cs_test_other"] = dict(stripe_fake.objects[held.order.checkout_id]) | {
        "id": "cs_test_other",
        "metadata": {"order": "CMD-NOPE", "enrolment": "not-a-uuid"},
    }

    response = post_event(client, stripe_fake, "checkout.session.completed", stripe_fake.objects["cs_test_other"])

    assert response.status_code == 200


# Decided before any database setup: a skipped transactional test would still flush the tables.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_twice_at_once_is_handled_once(
    wagtail_tree, stripe_fake, session, learner, legal_texts
):
    from enrolments.views.payments import stripe_webhook

    enrolment = enrolment_start(
        session=session,
        learner=learner,
        funding=Funding.SELF,
        terms=legal_texts["terms"],
        internal_rules=legal_texts["rules"],
    )
    start_card_checkout(enrolment=enrolment, success_url="https://f.example/ok", cancel_url="https://f.example/")
    enrolment.refresh_from_db()
    checkout = stripe_fake.complete_setup(enrolment.order.checkout_id)
    body, signature = stripe_fake.event("checkout.session.completed", checkout, secret=fake_stripe.WEBHOOK_SECRET)
    barrier = threading.Barrier(2)
    statuses = []

    def deliver():
        request = RequestFactory().post(
            URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )
        barrier.wait()
        try:
            statuses.append(stripe_webhook(request).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200, 200]
    assert WebhookEvent.objects.count() == 1
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    assert enrolment.order.instalments.count() == len(set(enrolment.order.instalments.values_list("number", flat=True)))
