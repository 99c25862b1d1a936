"""A bank transfer that reaches a company order after its unpaid seats were released.

The money must go back: the order stays cancelled, gets no seats, and finance
staff are told once, whatever the order and number of Stripe's events.
"""

import pytest
from django.core import mail
from django.urls import reverse

from enrolments.models import Invoice, Order, OrderStatus, PaymentWay, SeatStatus
from enrolments.services.company_payments import invoice_company_order
from enrolments.services.company_release import release_unpaid_orders
from tests.enrolments.company.payment_data import company, pending_order
from tests.enrolments.company.release_data import at
from tests.fakes import stripe as fake_stripe

pytestmark = pytest.mark.django_db

URL = reverse("payments:stripe_webhook")
FINANCE = "finance@allys.example"


@pytest.fixture
def stripe_fake(monkeypatch, settings):
    settings.ENROLMENT_STAFF_EMAILS = [FINANCE]
    settings.COMPANY_UNPAID_RELEASE_DAYS = 10
    fake, _backend = fake_stripe.install(monkeypatch, settings)
    return fake


@pytest.fixture
def invoice(session, stripe_fake):
    """3 places invoiced for payment by transfer; the Stripe invoice is open."""
    manager, organisation = company()
    order = pending_order(session=session, organisation=organisation, manager=manager, quantity=3)
    [invoice] = invoice_company_order(order=order, by=manager, payment_way=PaymentWay.TRANSFER)
    return Invoice.objects.select_related("order").get(pk=invoice.pk)


@pytest.fixture
def release(django_capture_on_commit_callbacks):
    """Run the release on the order's release date; the outbox then holds only what it sent."""

    def release(order: Order) -> None:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert release_unpaid_orders(now=at(order.release_on)) == 1

    return release


@pytest.fixture
def post_event(client, stripe_fake, django_capture_on_commit_callbacks):
    """Deliver a signed event about a Stripe object; emails are sent as after a commit."""

    def post(event_type, obj, *, event_id=None):
        body, signature = stripe_fake.event(event_type, obj, secret=fake_stripe.WEBHOOK_SECRET, event_id=event_id)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)

    return post


@pytest.fixture
def released_while_stripe_was_down(invoice, stripe_fake, release):
    """Released on time, but Stripe failed to void the invoice: the customer could still pay it."""
    void = f"/v1/invoices/{invoice.provider_invoice_id}/void"
    stripe_fake.fail_next[("POST", void)] = (500, {"error": {"type": "api_error", "message": "down"}})
    release(invoice.order)
    assert stripe_fake.objects[invoice.provider_invoice_id]["status"] == "open"
    return invoice


def finance_emails() -> list:
    return [message for message in mail.outbox if FINANCE in message.to]


def test_a_transfer_after_the_release_is_flagged_to_finance(stripe_fake, post_event, released_while_stripe_was_down):
    invoice = released_while_stripe_was_down
    order = invoice.order
    seats = order.seats.count()
    stripe_fake.pay_invoice(invoice.provider_invoice_id)

    response = post_event("invoice.paid", stripe_fake.objects[invoice.provider_invoice_id])

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.seats.count() == seats
    assert not order.seats.exclude(status=SeatStatus.CANCELLED).exists()
    [staff] = finance_emails()
    assert order.reference in staff.subject
    assert "4\u00a0050,00\u00a0€" in staff.body
    assert invoice.number in staff.body
    # The managers already heard of the release; the paid order is not announced to them.
    assert mail.outbox == [staff]


@pytest.mark.parametrize("event_ids", [("evt_late_1", "evt_late_1"), ("evt_late_1", "evt_late_2")])
def test_a_replayed_late_payment_is_not_flagged_twice(
    stripe_fake, post_event, released_while_stripe_was_down, event_ids
):
    invoice = released_while_stripe_was_down
    stripe_fake.pay_invoice(invoice.provider_invoice_id)
    obj = stripe_fake.objects[invoice.provider_invoice_id]
    post_event("invoice.paid", obj, event_id=event_ids[0])
    assert len(finance_emails()) == 1

    response = post_event("invoice.paid", obj, event_id=event_ids[1])

    assert response.status_code == 200
    assert mail.outbox == []
    invoice.order.refresh_from_db()
    assert invoice.order.status == OrderStatus.CANCELLED
    assert invoice.order.instalments.count() == 1


def test_a_transfer_that_crossed_the_release_is_flagged_by_the_release_only(stripe_fake, post_event, release, invoice):
    # The transfer paid the Stripe invoice the morning of the release; its event comes afterwards.
    stripe_fake.pay_invoice(invoice.provider_invoice_id)
    release(invoice.order)
    [staff] = finance_emails()
    assert invoice.order.reference in staff.subject

    response = post_event("invoice.paid", stripe_fake.objects[invoice.provider_invoice_id])

    assert response.status_code == 200
    assert mail.outbox == []
    order = Order.objects.get(pk=invoice.order_id)
    assert order.status == OrderStatus.CANCELLED
    assert not order.seats.exclude(status=SeatStatus.CANCELLED).exists()
