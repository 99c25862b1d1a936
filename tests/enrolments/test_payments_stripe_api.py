"""The Stripe backend: the parameters it sends and how it reads Stripe's answers (fake HTTP client)."""

import time
from decimal import Decimal

import pytest

from enrolments.payments.base import InvalidWebhook, PaymentError
from enrolments.payments.stripe_api import API_VERSION, StripeBackend, from_cents, to_cents
from tests.fakes.stripe import DECLINING_CARD, WEBHOOK_SECRET, FakeStripe, fixture, sign

METADATA = {"order": "CMD-ABC123", "enrolment": "5f0c1f6e-0000-4000-8000-000000000001", "language": "fr"}


@pytest.fixture
def fake():
    return FakeStripe()


@pytest.fixture
def backend(fake):
    return StripeBackend(api_key="sk_test_fake", webhook_secret=WEBHOOK_SECRET, http_client=fake)


def open_checkout(backend, mode="setup", amount=Decimal("900.00"), customer_id="", key="checkout-CMD-ABC123-1"):
    return backend.create_checkout(
        mode=mode,
        amount=amount,
        currency="EUR",
        description="Apprentissage frugal — IAF-TST-2027-01",
        customer_email="camille@example.org",
        customer_id=customer_id,
        success_url="https://formation.example/inscription/ok/?checkout={CHECKOUT_SESSION_ID}",
        cancel_url="https://formation.example/inscription/annulee/",
        metadata=METADATA,
        idempotency_key=key,
        expires_in_minutes=30,
    )


def test_setup_checkout_creates_the_customer_and_sends_setup_mode(backend, fake):
    before = int(time.time())
    checkout = open_checkout(backend)

    [lookup] = fake.sent("GET", "/v1/customers")
    assert lookup.params == {"email": "camille@example.org", "limit": "1"}
    [customer] = fake.sent("POST", "/v1/customers")
    assert customer.params == {"email": "camille@example.org"}
    assert customer.idempotency_key == "checkout-CMD-ABC123-1-customer"
    [create] = fake.sent("POST", "/v1/checkout/sessions")
    assert create.idempotency_key == "checkout-CMD-ABC123-1"
    assert create.stripe_version == API_VERSION
    params = create.params
    assert params["mode"] == "setup"
    assert params["currency"] == "eur"
    assert params["customer"] == fake.objects[checkout.customer_id]["id"]
    assert params["metadata"] == METADATA
    assert params["setup_intent_data"]["metadata"] == METADATA
    assert params["locale"] == "fr"
    assert "line_items" not in params and "payment_method_types" not in params
    # Stripe's minimum is 30 minutes after creation.
    assert int(params["expires_at"]) >= before + 30 * 60
    assert checkout.status == "open" and checkout.mode == "setup"
    assert checkout.url.startswith("https://checkout.stripe.com/")
    assert checkout.amount is None


def test_setup_checkout_reuses_the_customer_with_that_email(backend, fake):
    fake.objects["cus_existing"] = fixture("customer") | {"id": "cus_existing", "email": "camille@example.org"}

    checkout = open_checkout(backend)

    assert fake.sent("POST", "/v1/customers") == []
    assert fake.sent("POST", "/v1/checkout/sessions")[0].params["customer"] == "cus_existing"
    assert checkout.customer_id == "cus_existing"


def test_known_customer_is_not_looked_up(backend, fake):
    open_checkout(backend, customer_id="cus_known")

    assert fake.sent("GET", "/v1/customers") == []
    assert fake.sent("POST", "/v1/checkout/sessions")[0].params["customer"] == "cus_known"


def test_retrieving_a_completed_setup_checkout_reads_the_saved_card(backend, fake):
    checkout = open_checkout(backend)
    fake.complete_setup(checkout.id, payment_method="pm_card_visa")

    current = backend.retrieve_checkout(checkout.id)

    [get] = fake.sent("GET", f"/v1/checkout/sessions/{checkout.id}")
    assert get.params["expand"] == ["setup_intent", "payment_intent"]
    assert current.status == "complete"
    assert current.payment_method_id == "pm_card_visa"
    assert current.customer_id == checkout.customer_id
    assert current.metadata == METADATA


def test_payment_checkout_sends_the_amount_in_cents_and_saves_the_card(backend, fake):
    checkout = open_checkout(backend, mode="payment", amount=Decimal("270.10"), customer_id="cus_known")

    params = fake.sent("POST", "/v1/checkout/sessions")[0].params
    assert params["mode"] == "payment"
    assert params["line_items"] == [
        {
            "quantity": "1",
            "price_data": {
                "currency": "eur",
                "unit_amount": "27010",
                "product_data": {"name": "Apprentissage frugal — IAF-TST-2027-01"},
            },
        }
    ]
    assert params["payment_intent_data"]["setup_future_usage"] == "off_session"
    assert params["payment_intent_data"]["metadata"] == METADATA
    assert "setup_intent_data" not in params
    assert checkout.amount == Decimal("270.10")


def test_retrieving_a_paid_checkout_reads_the_payment_and_the_new_card(backend, fake):
    checkout = open_checkout(backend, mode="payment", amount=Decimal("270.00"), customer_id="cus_known")
    fake.complete_payment(checkout.id, payment_method="pm_card_mastercard")

    current = backend.retrieve_checkout(checkout.id)

    assert (current.status, current.payment_status) == ("complete", "paid")
    assert current.payment_intent_id.startswith("pi_")
    assert current.payment_method_id == "pm_card_mastercard"


def test_off_session_charge_confirms_at_once_with_the_saved_card(backend, fake):
    payment = backend.charge_off_session(
        amount=Decimal("270.00"),
        currency="EUR",
        customer_id="cus_known",
        payment_method_id="pm_card_visa",
        description="CMD-ABC123 #1",
        metadata={"order": "CMD-ABC123", "instalment": "7"},
        idempotency_key="instalment-7-attempt-0",
    )

    [create] = fake.sent("POST", "/v1/payment_intents")
    assert create.idempotency_key == "instalment-7-attempt-0"
    assert create.params == {
        "amount": "27000",
        "currency": "eur",
        "customer": "cus_known",
        "payment_method": "pm_card_visa",
        "confirm": "true",
        "off_session": "true",
        "automatic_payment_methods": {"enabled": "true", "allow_redirects": "never"},
        "description": "CMD-ABC123 #1",
        "metadata": {"order": "CMD-ABC123", "instalment": "7"},
    }
    assert payment.succeeded
    assert payment.amount == Decimal("270.00")
    assert payment.metadata == {"order": "CMD-ABC123", "instalment": "7"}


def test_a_declined_card_comes_back_as_a_failed_payment(backend, fake):
    payment = backend.charge_off_session(
        amount=Decimal("270.00"),
        currency="EUR",
        customer_id="cus_known",
        payment_method_id=DECLINING_CARD,
        description="CMD-ABC123 #1",
        metadata={},
        idempotency_key="instalment-7-attempt-0",
    )

    assert payment.status == "requires_payment_method"
    assert not payment.succeeded
    assert payment.failure_message == "Your card has insufficient funds."
    assert payment.id in fake.objects


def test_the_same_idempotency_key_gives_the_same_payment(backend, fake):
    kwargs = {
        "amount": Decimal("10.00"),
        "currency": "EUR",
        "customer_id": "cus_known",
        "payment_method_id": "pm_card_visa",
        "description": "x",
        "metadata": {},
        "idempotency_key": "instalment-7-attempt-0",
    }
    assert backend.charge_off_session(**kwargs).id == backend.charge_off_session(**kwargs).id


# A bad key (401) is for the operators to fix, then retry: never the customer's fault.
@pytest.mark.parametrize(("status", "transient"), [(503, True), (401, True), (400, False)])
def test_provider_errors_raise_payment_error(backend, fake, status, transient):
    fake.fail_next[("POST", "/v1/payment_intents")] = (status, {"error": {"type": "api_error", "message": "Nope"}})

    with pytest.raises(PaymentError) as raised:
        backend.charge_off_session(
            amount=Decimal("10.00"),
            currency="EUR",
            customer_id="cus_known",
            payment_method_id="pm_card_visa",
            description="x",
            metadata={},
            idempotency_key="instalment-7-attempt-0",
        )

    assert raised.value.transient is transient


def test_refund_sends_cents_payment_and_reason(backend, fake):
    payment = backend.charge_off_session(
        amount=Decimal("270.00"),
        currency="EUR",
        customer_id="cus_known",
        payment_method_id="pm_card_visa",
        description="x",
        metadata={},
        idempotency_key="instalment-7-attempt-0",
    )

    result = backend.refund(
        payment_id=payment.id, amount=Decimal("135.50"), idempotency_key="refund-3", reason="cancelled"
    )

    [create] = fake.sent("POST", "/v1/refunds")
    assert create.idempotency_key == "refund-3"
    assert create.params == {
        "payment_intent": payment.id,
        "amount": "13550",
        "reason": "requested_by_customer",
        "metadata": {"reason": "cancelled"},
    }
    assert (result.status, result.amount) == ("succeeded", Decimal("135.50"))
    assert backend.retrieve_payment(payment.id).amount_refunded == Decimal("135.50")


def test_cents_conversion_is_exact():
    assert to_cents(Decimal("900.00")) == 90000
    assert to_cents(Decimal("0.1")) == 10
    assert from_cents(27010) == Decimal("270.10")
    with pytest.raises(ValueError):
        to_cents(Decimal("1.005"))


def test_webhook_with_a_valid_signature_is_parsed(backend):
    body = '{"id": "evt_1", "object": "event", "type": "checkout.session.completed", "data": {"object": '
    body += '{"id": "cs_test_1", "object": "checkout.session"}}}'

    event = backend.parse_webhook(body=body.encode(), headers={"Stripe-Signature": sign(body, WEBHOOK_SECRET)})

    assert (event.id, event.type, event.object_type, event.object_id) == (
        "evt_1",
        "checkout.session.completed",
        "checkout.session",
        "cs_test_1",
    )


@pytest.mark.parametrize("header", ["", "t=1,v1=deadbeef", None])
def test_webhook_with_a_bad_signature_is_refused(backend, header):
    body = '{"id": "evt_1", "object": "event", "type": "x", "data": {"object": {}}}'
    if header is None:
        header = sign(body, "whsec_someone_else")

    with pytest.raises(InvalidWebhook):
        backend.parse_webhook(body=body.encode(), headers={"Stripe-Signature": header})
