"""Stripe's invoice events for company orders: signed, idempotent, safe in any order."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from enrolments.models import Invoice, OrderStatus, PaymentWay, SeatStatus, WebhookEvent
from enrolments.payments.base import PaymentError
from enrolments.payments.stripe_api import StripeBackend
from enrolments.services.company_payments import invoice_company_order, start_company_card_checkout
from tests.enrolments.company.payment_data import CANCEL, SUCCESS, company, pending_order
from tests.fakes import stripe as fake_stripe

pytestmark = pytest.mark.django_db

URL = reverse("payments:stripe_webhook")


@pytest.fixture
def stripe_fake(monkeypatch, settings):
    settings.ENROLMENT_STAFF_EMAILS = ["finance@allys.example"]
    fake, _backend = fake_stripe.install(monkeypatch, settings)
    return fake


@pytest.fixture
def manager_and_org(stripe_fake):
    return company()


@pytest.fixture
def order(session, manager_and_org):
    manager, organisation = manager_and_org
    return pending_order(session=session, organisation=organisation, manager=manager, quantity=3)


@pytest.fixture
def invoiced(order, manager_and_org):
    """The order invoiced for payment by transfer; its Stripe invoice is open."""
    [invoice] = invoice_company_order(order=order, by=manager_and_org[0], payment_way=PaymentWay.TRANSFER)
    return Invoice.objects.get(pk=invoice.pk)


@pytest.fixture
def post_event(client, stripe_fake, django_capture_on_commit_callbacks):
    """Deliver a signed event about the current state of a Stripe object; emails are sent as after a commit."""

    def post(event_type, obj, *, event_id=None, secret=fake_stripe.WEBHOOK_SECRET):
        body, signature = stripe_fake.event(event_type, obj, secret=secret, event_id=event_id)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)

    return post


def test_invoice_paid_settles_the_order(stripe_fake, post_event, invoiced, order, manager_and_org):
    manager, _ = manager_and_org
    stripe_fake.pay_invoice(invoiced.provider_invoice_id)

    response = post_event("invoice.paid", stripe_fake.objects[invoiced.provider_invoice_id])

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    invoiced.refresh_from_db()
    assert invoiced.paid_at is not None
    assert order.instalments.get().provider_payment_id == invoiced.provider_invoice_id
    [receipt] = mail.outbox
    assert receipt.to == [manager.email]
    assert order.reference in receipt.subject


def test_a_replayed_event_is_a_no_op(stripe_fake, post_event, invoiced, order):
    stripe_fake.pay_invoice(invoiced.provider_invoice_id)
    obj = stripe_fake.objects[invoiced.provider_invoice_id]
    post_event("invoice.paid", obj, event_id="evt_paid_1")

    response = post_event("invoice.paid", obj, event_id="evt_paid_1")

    assert response.status_code == 200
    assert response.content == b"already handled"
    assert mail.outbox == []
    assert WebhookEvent.objects.filter(event_id="evt_paid_1").count() == 1
    assert order.instalments.count() == 1


def test_the_same_state_delivered_by_another_event_changes_nothing(stripe_fake, post_event, invoiced, order):
    stripe_fake.pay_invoice(invoiced.provider_invoice_id)
    obj = stripe_fake.objects[invoiced.provider_invoice_id]
    post_event("invoice.paid", obj)

    post_event("invoice.paid", obj)

    assert mail.outbox == []
    assert order.instalments.count() == 1


def test_a_stale_snapshot_does_not_fool_the_handler(stripe_fake, post_event, invoiced, order):
    # The event carries an old "paid" snapshot, but Stripe says the invoice is still open.
    snapshot = dict(stripe_fake.objects[invoiced.provider_invoice_id], status="paid")

    post_event("invoice.paid", snapshot)

    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    invoiced.refresh_from_db()
    assert invoiced.paid_at is None


def test_paid_before_the_sending_was_recorded_is_safe(stripe_fake, post_event, order, manager_and_org, monkeypatch):
    """Stripe sent the invoice but our request failed on the way back; the customer paid at once."""
    manager, _ = manager_and_org
    real = StripeBackend.create_invoice

    def lost_answer(self, **kwargs):
        real(self, **kwargs)
        raise PaymentError("connection reset", transient=True)

    monkeypatch.setattr(StripeBackend, "create_invoice", lost_answer)
    with pytest.raises(PaymentError):
        invoice_company_order(order=order, by=manager, payment_way=PaymentWay.TRANSFER)
    monkeypatch.setattr(StripeBackend, "create_invoice", real)
    [stripe_invoice] = [o for o in stripe_fake.objects.values() if o["object"] == "invoice"]
    stripe_fake.pay_invoice(stripe_invoice["id"])

    response = post_event("invoice.paid", stripe_invoice)

    assert response.status_code == 200
    invoice = Invoice.objects.get(order=order)
    assert invoice.provider_invoice_id == stripe_invoice["id"]
    assert invoice.paid_at is not None
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING  # not invoiced yet: nothing more to do until the retry

    invoice_company_order(order=order, by=manager, payment_way=PaymentWay.TRANSFER)

    assert len(stripe_fake.sent("POST", "/v1/invoices")) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.seats.count() == 3


def test_opco_order_is_paid_when_both_invoices_are(stripe_fake, post_event, order, manager_and_org):
    manager, _ = manager_and_org
    funder, buyer = invoice_company_order(
        order=order,
        by=manager,
        payment_way=PaymentWay.OPCO,
        opco="atlas",
        opco_amount=Decimal("3000.00"),
        opco_agreement_number="ATL-2027-555",
    )
    funder, buyer = Invoice.objects.get(pk=funder.pk), Invoice.objects.get(pk=buyer.pk)

    stripe_fake.pay_invoice(buyer.provider_invoice_id)
    post_event("invoice.paid", stripe_fake.objects[buyer.provider_invoice_id])
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    assert mail.outbox == []

    stripe_fake.pay_invoice(funder.provider_invoice_id)
    post_event("invoice.paid", stripe_fake.objects[funder.provider_invoice_id])
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert sorted(i.number for i in order.instalments.all()) == [1, 2]


def test_a_failed_payment_tells_the_managers_and_finance_staff(stripe_fake, post_event, invoiced, manager_and_org):
    manager, _ = manager_and_org

    response = post_event("invoice.payment_failed", stripe_fake.objects[invoiced.provider_invoice_id])

    assert response.status_code == 200
    [email] = mail.outbox
    assert set(email.to) == {manager.email, "finance@allys.example"}
    assert invoiced.number in email.subject
    assert invoiced.hosted_url in email.body


def test_a_failure_reported_after_the_payment_sends_nothing(stripe_fake, post_event, invoiced, order):
    stripe_fake.pay_invoice(invoiced.provider_invoice_id)

    post_event("invoice.payment_failed", stripe_fake.objects[invoiced.provider_invoice_id])

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID  # the handler read Stripe's current state
    assert not [m for m in mail.outbox if "finance@allys.example" in m.to]


def test_an_uncollectible_invoice_is_reported_and_keeps_the_seats(
    stripe_fake, post_event, invoiced, order, manager_and_org
):
    manager, _ = manager_and_org
    stripe_fake.mark_uncollectible(invoiced.provider_invoice_id)

    response = post_event("invoice.marked_uncollectible", stripe_fake.objects[invoiced.provider_invoice_id])

    assert response.status_code == 200
    [email] = mail.outbox
    assert set(email.to) == {manager.email, "finance@allys.example"}
    assert invoiced.number in email.subject
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    assert order.seats.filter(status=SeatStatus.FREE).count() == 3


def test_a_bad_signature_is_refused_and_changes_nothing(stripe_fake, post_event, invoiced, order):
    stripe_fake.pay_invoice(invoiced.provider_invoice_id)

    response = post_event("invoice.paid", stripe_fake.objects[invoiced.provider_invoice_id], secret="whsec_forged")

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    assert not WebhookEvent.objects.exists()


def test_an_invoice_we_never_issued_is_acknowledged(stripe_fake, post_event, invoiced):
    stripe_fake.pay_invoice(invoiced.provider_invoice_id)
    stranger = dict(stripe_fake.objects[invoiced.provider_invoice_id], id="in_test_unknown")

    response = post_event("invoice.paid", stranger)

    # Stripe does not know it either (another account or mode): retrying cannot help.
    assert response.status_code == 200


def test_stripe_down_postpones_the_event(stripe_fake, post_event, invoiced, order):
    stripe_fake.pay_invoice(invoiced.provider_invoice_id)
    path = f"/v1/invoices/{invoiced.provider_invoice_id}"
    stripe_fake.fail_next[("GET", path)] = (500, {"error": {"type": "api_error", "message": "down"}})

    response = post_event("invoice.paid", stripe_fake.objects[invoiced.provider_invoice_id], event_id="evt_later")

    assert response.status_code == 503
    assert not WebhookEvent.objects.filter(event_id="evt_later").exists()


def test_a_company_card_checkout_completed_pays_the_order(stripe_fake, post_event, order):
    start_company_card_checkout(order=order, success_url=SUCCESS, cancel_url=CANCEL)
    order.refresh_from_db()
    session = stripe_fake.complete_payment(order.checkout_id)

    response = post_event("checkout.session.completed", session)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.seats.count() == 3
    # The receipt invoice's own event afterwards changes nothing.
    post_event("invoice.paid", stripe_fake.objects[session["invoice"]])
    assert order.invoices.count() == 1
    assert mail.outbox == []
