"""The Stripe backend for companies: the exact parameters sent (fake HTTP client) and how answers are read."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from enrolments.models import Invoice, OrderStatus, PaymentWay
from enrolments.payments.base import BillingAddress, InvoiceLine, PaymentError
from enrolments.payments.stripe_api import API_VERSION, StripeBackend
from enrolments.services.company_payments import invoice_company_order, start_company_card_checkout
from enrolments.services.fulfilment import fulfil_checkout
from tests.enrolments.company.payment_data import CANCEL, SUCCESS, company, pending_order
from tests.fakes import stripe as fake_stripe
from tests.fakes.stripe import WEBHOOK_SECRET, FakeStripe


@pytest.fixture(autouse=True)
def in_english():
    """The services answer in the active language; these tests read their English messages."""
    with translation.override("en"):
        yield


METADATA = {"order": "CMD-ABC123", "organisation": "5f0c1f6e-0000-4000-8000-000000000001", "language": "fr"}
ADDRESS = BillingAddress(line1="3 place Bellecour", postal_code="69002", city="Lyon", country="France")


@pytest.fixture
def fake():
    return FakeStripe()


@pytest.fixture
def backend(fake):
    return StripeBackend(api_key="sk_test_fake", webhook_secret=WEBHOOK_SECRET, http_client=fake)


def card_checkout(backend, *, amount=Decimal("4050.00"), quantity=3, key="company-checkout-CMD-ABC123-1"):
    return backend.create_checkout(
        mode="payment",
        amount=amount,
        currency="EUR",
        description="Apprentissage frugal — IAF-TST-2027-01",
        customer_email="compta@lumiere.example",
        customer_id="cus_test_company",
        success_url="https://formation.example/ok/?checkout_id={CHECKOUT_SESSION_ID}",
        cancel_url="https://formation.example/commande/",
        metadata=METADATA,
        idempotency_key=key,
        expires_in_minutes=60,
        quantity=quantity,
        create_invoice=True,
        save_card=False,
        invoice_fields=[("Order", "CMD-ABC123"), ("Purchase order", "PO-2027-12"), ("Empty", "")],
    )


def send_invoice(backend, *, key="company-invoice-2027-000042", days=30, lines=None, **kwargs):
    return backend.create_invoice(
        customer_email="compta@lumiere.example",
        customer_name="Lumière Analytics",
        address=ADDRESS,
        tax_id="FR40303265045",
        lines=lines or [InvoiceLine("Apprentissage frugal — IAF-TST-2027-01", 3, Decimal("1350.00"))],
        currency="EUR",
        days_until_due=days,
        number="2027-000042",
        purchase_order="PO-2027-12",
        custom_fields=[("Order", "CMD-ABC123")],
        footer="TVA non applicable, article 261-4-4° a du CGI.",
        metadata={"order": "CMD-ABC123", "invoice": "2027-000042"},
        language="fr",
        idempotency_key=key,
        **kwargs,
    )


# --- card: Checkout in payment mode -------------------------------------------------------------


def test_a_company_card_checkout_sends_quantity_unit_price_and_invoice_creation(backend, fake):
    checkout = card_checkout(backend)

    [create] = fake.sent("POST", "/v1/checkout/sessions")
    assert create.idempotency_key == "company-checkout-CMD-ABC123-1"
    assert create.stripe_version == API_VERSION
    params = create.params
    assert params["mode"] == "payment"
    assert params["customer"] == "cus_test_company"
    assert params["line_items"] == [
        {
            "quantity": "3",
            "price_data": {
                "currency": "eur",
                "unit_amount": "135000",
                "product_data": {"name": "Apprentissage frugal — IAF-TST-2027-01"},
            },
        }
    ]
    assert params["invoice_creation"] == {
        "enabled": "true",
        "invoice_data": {
            "metadata": METADATA,
            "description": "Apprentissage frugal — IAF-TST-2027-01",
            "custom_fields": [
                {"name": "Order", "value": "CMD-ABC123"},
                {"name": "Purchase order", "value": "PO-2027-12"},
            ],
        },
    }
    # The company pays once: its card is not saved for later charges.
    assert "setup_future_usage" not in params["payment_intent_data"]
    assert params["payment_intent_data"]["metadata"] == METADATA
    assert checkout.amount == Decimal("4050.00")


def test_a_paid_company_checkout_carries_its_invoice(backend, fake):
    checkout = card_checkout(backend)
    fake.complete_payment(checkout.id)

    paid = backend.retrieve_checkout(checkout.id)

    assert paid.payment_status == "paid"
    assert paid.invoice_id.startswith("in_test_")
    receipt = backend.retrieve_invoice(paid.invoice_id)
    assert (receipt.status, receipt.amount_paid) == ("paid", Decimal("4050.00"))


def test_a_unit_price_with_fractions_of_a_cent_is_refused_before_any_call(backend, fake):
    with pytest.raises(ValueError, match="whole number of cents"):
        card_checkout(backend, amount=Decimal("100.00"), quantity=3)

    assert fake.sent("POST", "/v1/checkout/sessions") == []


def test_the_service_falls_back_to_one_line_when_the_total_does_not_split(monkeypatch, settings, session):
    fake, _ = fake_stripe.install(monkeypatch, settings)
    manager, organisation = company()
    order = pending_order(session=session, organisation=organisation, manager=manager, quantity=3)
    order.amount_incl_tax = order.amount_excl_tax = Decimal("4050.01")
    order.save()

    start_company_card_checkout(order=order, success_url=SUCCESS, cancel_url=CANCEL)

    [create] = fake.sent("POST", "/v1/checkout/sessions")
    assert create.params["line_items"][0]["quantity"] == "1"
    assert create.params["line_items"][0]["price_data"]["unit_amount"] == "405001"


# --- transfer: Stripe Invoicing, send_invoice ---------------------------------------------------


def test_an_invoice_creates_the_customer_with_its_billing_details(backend, fake):
    send_invoice(backend)

    [lookup] = fake.sent("GET", "/v1/customers")
    assert lookup.params == {"email": "compta@lumiere.example", "limit": "100"}
    [customer] = fake.sent("POST", "/v1/customers")
    assert customer.idempotency_key == "company-invoice-2027-000042-customer"
    assert customer.params == {
        "email": "compta@lumiere.example",
        "name": "Lumière Analytics",
        "address": {"line1": "3 place Bellecour", "postal_code": "69002", "city": "Lyon", "country": "FR"},
        "preferred_locales": ["fr"],
        "tax_id_data": [{"type": "eu_vat", "value": "FR40303265045"}],
    }


def test_an_invoice_is_payable_by_eu_bank_transfer_with_our_number_and_the_purchase_order(backend, fake):
    send_invoice(backend)

    [create] = fake.sent("POST", "/v1/invoices")
    assert create.idempotency_key == "company-invoice-2027-000042-invoice"
    params = create.params
    assert params["collection_method"] == "send_invoice"
    assert params["days_until_due"] == "30"
    assert params["auto_advance"] == "false"
    assert params["currency"] == "eur"
    assert params["number"] == "2027-000042"
    assert params["custom_fields"] == [
        {"name": "Purchase order", "value": "PO-2027-12"},
        {"name": "Order", "value": "CMD-ABC123"},
    ]
    assert params["payment_settings"] == {
        "payment_method_types": ["customer_balance"],
        "payment_method_options": {
            "customer_balance": {
                "funding_type": "bank_transfer",
                "bank_transfer": {"type": "eu_bank_transfer", "eu_bank_transfer": {"country": "FR"}},
            }
        },
    }
    assert params["footer"] == "TVA non applicable, article 261-4-4° a du CGI."
    assert params["metadata"] == {"order": "CMD-ABC123", "invoice": "2027-000042"}


def test_the_invoice_lines_are_sent_in_cents_then_finalized_and_sent(backend, fake):
    lines = [
        InvoiceLine("Apprentissage frugal — IAF-TST-2027-01", 3, Decimal("1350.00")),
        InvoiceLine("Support de cours", 1, Decimal("12.34")),
    ]

    invoice = send_invoice(backend, lines=lines)

    items = fake.sent("POST", "/v1/invoiceitems")
    assert [i.idempotency_key for i in items] == [
        "company-invoice-2027-000042-item-0",
        "company-invoice-2027-000042-item-1",
    ]
    assert [(i.params["quantity"], i.params["unit_amount_decimal"]) for i in items] == [("3", "135000"), ("1", "1234")]
    assert all(i.params["invoice"] == invoice.id for i in items)
    [finalize] = fake.sent("POST", f"/v1/invoices/{invoice.id}/finalize")
    assert finalize.params == {"auto_advance": "false"}
    assert finalize.idempotency_key == "company-invoice-2027-000042-finalize"
    [send] = fake.sent("POST", f"/v1/invoices/{invoice.id}/send")
    assert send.idempotency_key == "company-invoice-2027-000042-send"
    assert (invoice.status, invoice.number) == ("open", "2027-000042")
    assert invoice.amount_due == Decimal("4062.34")
    assert invoice.hosted_url == f"https://invoice.stripe.com/i/acct_test/{invoice.id}"
    assert invoice.pdf_url.endswith("/pdf")
    assert invoice.due_date == timezone.localdate() + dt.timedelta(days=30)


def test_the_same_customer_is_reused_and_kept_up_to_date(backend, fake):
    send_invoice(backend, key="company-invoice-2027-000042")

    send_invoice(backend, key="company-invoice-2027-000043")

    assert len(fake.sent("POST", "/v1/customers")) == 1
    [customer_id] = [o["id"] for o in fake.objects.values() if o["object"] == "customer"]
    [update] = fake.sent("POST", f"/v1/customers/{customer_id}")
    assert update.params["address"]["city"] == "Lyon"


def test_the_opco_is_another_customer_at_the_same_email(backend, fake):
    send_invoice(backend)

    backend.create_invoice(
        customer_email="compta@lumiere.example",
        customer_name="Atlas",
        lines=[InvoiceLine("Part financée", 1, Decimal("3000.00"))],
        currency="EUR",
        days_until_due=30,
        idempotency_key="company-invoice-2027-000044",
    )

    names = sorted(o["name"] for o in fake.objects.values() if o["object"] == "customer")
    assert names == ["Atlas", "Lumière Analytics"]


def test_a_retried_invoice_request_makes_no_second_invoice(backend, fake):
    first = send_invoice(backend)

    again = send_invoice(backend)

    assert again.id == first.id
    assert len([o for o in fake.objects.values() if o["object"] == "invoice"]) == 1


def test_reading_a_paid_invoice(backend, fake):
    invoice = send_invoice(backend)
    fake.pay_invoice(invoice.id)

    paid = backend.retrieve_invoice(invoice.id)

    assert (paid.status, paid.amount_paid) == ("paid", Decimal("4050.00"))
    assert paid.paid_at is not None
    assert paid.metadata == {"order": "CMD-ABC123", "invoice": "2027-000042"}


def test_marking_an_invoice_paid_out_of_band(backend, fake):
    invoice = send_invoice(backend)

    paid = backend.mark_invoice_paid_out_of_band(invoice.id, idempotency_key="invoice-2027-000042-paid-out-of-band")

    [pay] = fake.sent("POST", f"/v1/invoices/{invoice.id}/pay")
    assert pay.params == {"paid_out_of_band": "true"}
    assert pay.idempotency_key == "invoice-2027-000042-paid-out-of-band"
    assert paid.status == "paid"


def test_voiding_an_open_invoice_and_refusing_to_void_a_paid_one(backend, fake):
    invoice = send_invoice(backend)

    voided = backend.void_invoice(invoice.id, idempotency_key="invoice-2027-000042-void")

    assert voided.status == "void"
    [void] = fake.sent("POST", f"/v1/invoices/{invoice.id}/void")
    assert void.idempotency_key == "invoice-2027-000042-void"
    paid = send_invoice(backend, key="company-invoice-2027-000045")
    fake.pay_invoice(paid.id)
    with pytest.raises(PaymentError):
        backend.void_invoice(paid.id, idempotency_key="invoice-2027-000045-void")


# --- the services through Stripe ------------------------------------------------------------------


@pytest.fixture
def stripe_order(monkeypatch, settings, session):
    fake, _ = fake_stripe.install(monkeypatch, settings)
    manager, organisation = company()
    order = pending_order(session=session, organisation=organisation, manager=manager, quantity=3)
    return fake, manager, order


def test_a_transfer_order_is_invoiced_at_stripe_with_our_invoice_number(stripe_order):
    fake, manager, order = stripe_order

    [invoice] = invoice_company_order(
        order=order, by=manager, payment_way=PaymentWay.TRANSFER, purchase_order_number="PO-2027-12"
    )

    [create] = fake.sent("POST", "/v1/invoices")
    assert create.params["number"] == invoice.number
    assert create.params["metadata"]["invoice"] == invoice.number
    assert create.params["days_until_due"] == "30"
    assert {"name": "Purchase order", "value": "PO-2027-12"} in create.params["custom_fields"]
    [item] = fake.sent("POST", "/v1/invoiceitems")
    assert (item.params["quantity"], item.params["unit_amount_decimal"]) == ("3", "135000")
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.provider_invoice_id == create_id(fake)
    assert invoice.hosted_url.startswith("https://invoice.stripe.com/")
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED


def create_id(fake) -> str:
    [invoice] = [o for o in fake.objects.values() if o["object"] == "invoice"]
    return invoice["id"]


def test_a_card_order_is_paid_through_stripe_checkout(stripe_order):
    fake, manager, order = stripe_order
    start_company_card_checkout(order=order, success_url=SUCCESS, cancel_url=CANCEL, purchase_order_number="PO-1")
    order.refresh_from_db()
    session = fake.complete_payment(order.checkout_id)

    fulfil_checkout(checkout_id=order.checkout_id, backend_name="stripe")

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    instalment = order.instalments.get()
    assert instalment.provider_payment_id == session["payment_intent"]
    invoice = order.invoices.get()
    assert invoice.provider_invoice_id == session["invoice"]
    [customer] = fake.sent("POST", "/v1/customers")
    assert customer.params["name"] == order.organisation.name
