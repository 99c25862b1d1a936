"""How a company pays its order, end to end with the dummy provider: card, bank transfer, OPCO subrogation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone, translation

from enrolments.factories import MembershipFactory, UserFactory
from enrolments.models import (
    DummyCheckout,
    InstalmentStatus,
    Invoice,
    InvoicePayer,
    OrderStatus,
    PaymentWay,
    SeatStatus,
)
from enrolments.payments import get_backend
from enrolments.payments.base import PaymentError
from enrolments.services.company_payments import (
    fulfil_company_checkout,
    invoice_company_order,
    start_company_card_checkout,
)
from enrolments.services.company_settlement import record_invoice_paid, sync_provider_invoice, void_open_invoices
from enrolments.services.errors import CompanyPaymentRefused
from enrolments.services.fulfilment import fulfil_checkout
from tests.enrolments.company.payment_data import CANCEL, SUCCESS, company, pending_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The services answer in the active language; these tests read their English messages."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def dummy_backend(settings):
    settings.PAYMENT_BACKEND = "dummy"
    settings.ENROLMENT_STAFF_EMAILS = ["finance@allys.example"]


@pytest.fixture
def manager_and_org():
    return company()


@pytest.fixture
def order(session, manager_and_org):
    manager, organisation = manager_and_org
    return pending_order(session=session, organisation=organisation, manager=manager, quantity=3)


@pytest.fixture
def send_emails(django_capture_on_commit_callbacks):
    """Run what the services queue on commit (the emails), as after a real commit."""

    def run(call, *args, **kwargs):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def dummy() -> object:
    return get_backend("dummy")


def sent_to(address: str) -> list[str]:
    return [message.subject for message in mail.outbox if address in message.to]


# --- by card --------------------------------------------------------------------------------------


def pay_by_card(order):
    url = start_company_card_checkout(order=order, success_url=SUCCESS, cancel_url=CANCEL, language="fr")
    order.refresh_from_db()
    dummy().complete_checkout(order.checkout_id, "succeed")
    fulfil_checkout(checkout_id=order.checkout_id, backend_name="dummy")
    order.refresh_from_db()
    return url


def test_a_card_checkout_charges_n_places_at_the_unit_price_with_an_invoice(order):
    url = start_company_card_checkout(order=order, success_url=SUCCESS, cancel_url=CANCEL, language="fr")

    order.refresh_from_db()
    assert url.endswith(f"/payments/dummy/checkout/{order.checkout_id}/")
    data = DummyCheckout.objects.get(object_id=order.checkout_id).data
    assert data["mode"] == "payment"
    assert data["quantity"] == 3
    assert Decimal(data["amount"]) == Decimal("4050.00")
    assert data["create_invoice"] is True
    assert data["save_card"] is False
    assert data["customer_email"] == "compta@lumiere.example"


def test_reloading_reuses_the_open_checkout(order):
    first = start_company_card_checkout(order=order, success_url=SUCCESS, cancel_url=CANCEL)
    second = start_company_card_checkout(order=order, success_url=SUCCESS, cancel_url=CANCEL)

    assert first == second
    assert DummyCheckout.objects.filter(kind="checkout").count() == 1


def test_paying_by_card_pays_the_order_creates_the_seats_and_invoices_the_organisation(
    order, manager_and_org, send_emails
):
    manager, organisation = manager_and_org

    send_emails(pay_by_card, order)

    assert order.status == OrderStatus.PAID
    assert order.payment_way == PaymentWay.CARD
    assert order.seats.filter(status=SeatStatus.FREE).count() == 3
    [instalment] = order.instalments.all()
    assert (instalment.number, instalment.status, instalment.amount) == (1, InstalmentStatus.PAID, Decimal("4050.00"))
    assert instalment.provider_payment_id.startswith("pi_dummy_")
    [invoice] = order.invoices.all()
    assert invoice.payer == InvoicePayer.BUYER
    assert invoice.paid_at is not None
    assert invoice.buyer["name"] == "Lumière Analytics"
    assert invoice.buyer["siret"] == organisation.siret
    assert invoice.buyer["vat_number"] == "FR40303265045"
    assert "3 place Bellecour" in invoice.buyer["address"]
    assert invoice.total_incl_tax == Decimal("4050.00")
    assert invoice.lines[0]["quantity"] == 3
    assert "Paid by card on" in invoice.payment_terms
    assert invoice.provider_invoice_id.startswith("in_dummy_")
    [receipt] = [m for m in mail.outbox if manager.email in m.to]
    assert order.reference in receipt.subject
    assert f"/commandes/{order.reference}/places/" in receipt.body
    assert receipt.attachments[0][0] == f"{invoice.number}.pdf"


def test_the_checkout_fulfilled_twice_pays_once(order, send_emails):
    pay_by_card(order)
    checkout = dummy().retrieve_checkout(order.checkout_id)

    send_emails(fulfil_company_checkout, checkout)

    assert order.instalments.count() == 1
    assert order.invoices.count() == 1
    assert order.seats.count() == 3
    assert mail.outbox == []


def test_an_unfinished_checkout_changes_nothing(order):
    start_company_card_checkout(order=order, success_url=SUCCESS, cancel_url=CANCEL)
    order.refresh_from_db()

    fulfil_checkout(checkout_id=order.checkout_id, backend_name="dummy")

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert not order.seats.exists() and not order.invoices.exists()


def test_an_unverified_organisation_may_pay_by_card(session):
    manager, organisation = company(verified=False)
    order = pending_order(session=session, organisation=organisation, manager=manager)

    pay_by_card(order)

    assert order.status == OrderStatus.PAID


def test_a_purchase_order_is_required_by_card_too_when_the_organisation_says_so(session):
    manager, organisation = company(purchase_order_required=True)
    order = pending_order(session=session, organisation=organisation, manager=manager)

    with translation.override("en"), pytest.raises(CompanyPaymentRefused, match="purchase order number"):
        start_company_card_checkout(order=order, success_url=SUCCESS, cancel_url=CANCEL)

    start_company_card_checkout(order=order, success_url=SUCCESS, cancel_url=CANCEL, purchase_order_number="PO-77")
    order.refresh_from_db()
    assert order.purchase_order_number == "PO-77"
    assert ["Purchase order", "PO-77"] in DummyCheckout.objects.get(object_id=order.checkout_id).data["invoice_fields"]


# --- by bank transfer ---------------------------------------------------------------------------


def test_paying_by_transfer_invoices_the_order_and_opens_the_seats(order, manager_and_org, send_emails):
    manager, organisation = manager_and_org

    [invoice] = send_emails(
        invoice_company_order,
        order=order,
        by=manager,
        payment_way=PaymentWay.TRANSFER,
        purchase_order_number=" PO-2027-12 ",
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    assert order.purchase_order_number == "PO-2027-12"
    assert order.seats.count() == 3
    invoice.refresh_from_db()
    assert invoice.paid_at is None
    assert invoice.due_on == timezone.localdate() + dt.timedelta(days=30)
    assert invoice.hosted_url == f"http://testserver/payments/dummy/invoice/{invoice.provider_invoice_id}/"
    assert invoice.buyer["purchase_order"] == "PO-2027-12"
    assert "Purchase order no. PO-2027-12." in invoice.payment_terms
    assert "Payable by bank transfer by" in invoice.payment_terms
    provider = dummy().invoice_details(invoice.provider_invoice_id)
    assert provider["number"] == invoice.number
    assert provider["status"] == "open"
    assert ["Purchase order", "PO-2027-12"] in provider["custom_fields"]
    assert Decimal(provider["amount_due"]) == Decimal("4050.00")
    [email] = [m for m in mail.outbox if "compta@lumiere.example" in m.to]
    assert manager.email in email.to
    assert invoice.number in email.subject
    assert invoice.hosted_url in email.body
    assert "PO-2027-12" in email.body
    assert email.attachments[0][0] == f"{invoice.number}.pdf"


def test_the_transfer_paid_settles_the_order(order, manager_and_org, send_emails):
    manager, _ = manager_and_org
    [invoice] = invoice_company_order(order=order, by=manager, payment_way=PaymentWay.TRANSFER)
    invoice.refresh_from_db()
    dummy().pay_invoice(invoice.provider_invoice_id)

    send_emails(sync_provider_invoice, invoice_id=invoice.provider_invoice_id, backend_name="dummy")

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    invoice.refresh_from_db()
    assert invoice.paid_at is not None
    [instalment] = order.instalments.all()
    assert (instalment.number, instalment.status) == (1, InstalmentStatus.PAID)
    assert instalment.provider_payment_id == invoice.provider_invoice_id
    [receipt] = [m for m in mail.outbox if manager.email in m.to]
    assert order.reference in receipt.subject
    assert f"/commandes/{order.reference}/places/" in receipt.body
    assert receipt.attachments == []  # the invoice went with its own email


def test_the_due_date_never_passes_the_release_date(order, manager_and_org):
    manager, _ = manager_and_org
    order.release_on = timezone.localdate() + dt.timedelta(days=12)
    order.save()

    [invoice] = invoice_company_order(order=order, by=manager, payment_way=PaymentWay.TRANSFER)

    invoice.refresh_from_db()
    assert invoice.due_on == order.release_on


def test_an_unverified_organisation_cannot_pay_by_invoice(session):
    manager, organisation = company(verified=False)
    order = pending_order(session=session, organisation=organisation, manager=manager)

    for way in (PaymentWay.TRANSFER, PaymentWay.OPCO):
        with translation.override("en"), pytest.raises(CompanyPaymentRefused, match="verified"):
            invoice_company_order(
                order=order,
                by=manager,
                payment_way=way,
                opco="atlas",
                opco_amount=Decimal("100.00"),
                opco_agreement_number="A-1",
            )

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert not Invoice.objects.exists()


def test_a_required_purchase_order_is_refused_when_missing(session):
    manager, organisation = company(purchase_order_required=True)
    order = pending_order(session=session, organisation=organisation, manager=manager)

    with translation.override("en"), pytest.raises(CompanyPaymentRefused, match="purchase order number"):
        invoice_company_order(order=order, by=manager, payment_way=PaymentWay.TRANSFER)

    assert not Invoice.objects.exists()


def test_invoicing_twice_issues_and_sends_once(order, manager_and_org, send_emails):
    manager, _ = manager_and_org
    first = invoice_company_order(order=order, by=manager, payment_way=PaymentWay.TRANSFER)

    again = send_emails(invoice_company_order, order=order, by=manager, payment_way=PaymentWay.TRANSFER)

    assert [i.pk for i in again] == [i.pk for i in first]
    assert DummyCheckout.objects.filter(kind="invoice").count() == 1
    assert mail.outbox == []


def test_a_provider_outage_keeps_the_issued_invoice_and_a_retry_sends_it(order, manager_and_org, monkeypatch):
    manager, _ = manager_and_org
    backend = dummy()
    real = backend.create_invoice

    def down(**kwargs):
        raise PaymentError("Stripe is down", transient=True)

    monkeypatch.setattr(backend, "create_invoice", down)
    with pytest.raises(PaymentError):
        invoice_company_order(order=order, by=manager, payment_way=PaymentWay.TRANSFER, purchase_order_number="PO-1")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    [issued] = Invoice.objects.filter(order=order)
    assert issued.provider_invoice_id == ""

    monkeypatch.setattr(backend, "create_invoice", real)
    [invoice] = invoice_company_order(order=order, by=manager, payment_way=PaymentWay.TRANSFER)

    assert invoice.number == issued.number
    assert invoice.provider_invoice_id
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    assert order.purchase_order_number == "PO-1"


def test_finance_staff_record_a_transfer_received_outside_the_provider(order, manager_and_org):
    manager, _ = manager_and_org
    [invoice] = invoice_company_order(order=order, by=manager, payment_way=PaymentWay.TRANSFER)

    record_invoice_paid(invoice=invoice, by=UserFactory(is_staff=True), reference="VIR-2027-0042")

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    invoice.refresh_from_db()
    assert dummy().retrieve_invoice(invoice.provider_invoice_id).status == "paid"
    assert dummy().invoice_details(invoice.provider_invoice_id)["paid_out_of_band"] is True
    assert order.instalments.get().provider_payment_id == "VIR-2027-0042"


def test_releasing_the_order_voids_its_open_invoices_at_the_provider(order, manager_and_org):
    manager, _ = manager_and_org
    [invoice] = invoice_company_order(order=order, by=manager, payment_way=PaymentWay.TRANSFER)
    invoice.refresh_from_db()

    voided = void_open_invoices(order=order)

    assert voided == [invoice]
    assert dummy().retrieve_invoice(invoice.provider_invoice_id).status == "void"
    # Our numbered invoice stays, cancelled by a credit note of the same amount.
    [credit_note] = invoice.credit_notes.all()
    assert credit_note.total_incl_tax == -invoice.total_incl_tax
    assert credit_note.refund is None
    assert void_open_invoices(order=order) == []
    assert invoice.credit_notes.count() == 1


def test_an_uncollectible_invoice_is_reported_once_and_keeps_the_seats(order, manager_and_org, send_emails):
    manager, _ = manager_and_org
    [invoice] = invoice_company_order(order=order, by=manager, payment_way=PaymentWay.TRANSFER)
    invoice.refresh_from_db()
    dummy().set_invoice_status(invoice.provider_invoice_id, "uncollectible")

    send_emails(sync_provider_invoice, invoice_id=invoice.provider_invoice_id, backend_name="dummy")

    assert sent_to(manager.email) == [f"Invoice {invoice.number} is unpaid"]
    assert sent_to("finance@allys.example") == [f"Invoice {invoice.number} is unpaid"]
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    assert order.seats.filter(status=SeatStatus.FREE).count() == 3

    send_emails(sync_provider_invoice, invoice_id=invoice.provider_invoice_id, backend_name="dummy")
    assert mail.outbox == []


# --- OPCO subrogation ---------------------------------------------------------------------------


def test_opco_subrogation_invoices_the_opco_and_the_company_for_the_rest(order, manager_and_org, send_emails):
    manager, organisation = manager_and_org
    MembershipFactory(organisation=organisation, user=UserFactory(email="drh@lumiere.example"))

    funder, buyer = send_emails(
        invoice_company_order,
        order=order,
        by=manager,
        payment_way=PaymentWay.OPCO,
        opco="atlas",
        opco_amount=Decimal("3000.00"),
        opco_agreement_number="ATL-2027-555",
    )

    assert (funder.payer, funder.total_incl_tax) == (InvoicePayer.FUNDER, Decimal("3000.00"))
    assert funder.buyer["name"] == "Atlas"
    assert funder.buyer["funding_agreement"] == "ATL-2027-555"
    assert funder.buyer["on_behalf_of"] == "Lumière Analytics"
    assert "Subrogation" in funder.payment_terms and "ATL-2027-555" in funder.payment_terms
    assert (buyer.payer, buyer.total_incl_tax) == (InvoicePayer.BUYER, Decimal("1050.00"))
    assert buyer.buyer["name"] == "Lumière Analytics"
    assert "Atlas" in buyer.payment_terms
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    assert (order.opco, order.opco_amount, order.opco_agreement_number) == ("atlas", Decimal("3000.00"), "ATL-2027-555")
    assert order.seats.count() == 3
    provider = dummy().invoice_details(Invoice.objects.get(pk=funder.pk).provider_invoice_id)
    assert provider["customer_name"] == "Atlas"
    assert ["Funding agreement", "ATL-2027-555"] in provider["custom_fields"]
    assert sorted(sent_to("drh@lumiere.example")) == sorted(
        [f"Invoice {funder.number} for Apprentissage frugal", f"Invoice {buyer.number} for Apprentissage frugal"]
    )


def test_the_order_is_paid_only_once_both_invoices_are(order, manager_and_org):
    manager, _ = manager_and_org
    funder, buyer = invoice_company_order(
        order=order,
        by=manager,
        payment_way=PaymentWay.OPCO,
        opco="atlas",
        opco_amount=Decimal("3000.00"),
        opco_agreement_number="ATL-2027-555",
    )
    funder.refresh_from_db()
    buyer.refresh_from_db()

    dummy().pay_invoice(funder.provider_invoice_id)
    sync_provider_invoice(invoice_id=funder.provider_invoice_id, backend_name="dummy")
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED

    dummy().pay_invoice(buyer.provider_invoice_id)
    sync_provider_invoice(invoice_id=buyer.provider_invoice_id, backend_name="dummy")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert [(i.number, i.amount) for i in order.instalments.order_by("number")] == [
        (1, Decimal("1050.00")),
        (2, Decimal("3000.00")),
    ]


def test_an_opco_funding_everything_gets_the_only_invoice(order, manager_and_org):
    manager, _ = manager_and_org

    [invoice] = invoice_company_order(
        order=order,
        by=manager,
        payment_way=PaymentWay.OPCO,
        opco="akto",
        opco_amount=Decimal("4050.00"),
        opco_agreement_number="AK-1",
    )

    assert invoice.payer == InvoicePayer.FUNDER
    assert invoice.lines[0]["quantity"] == 3


@pytest.mark.parametrize(
    ("opco", "amount", "number", "message"),
    [
        ("", Decimal("100.00"), "A-1", "Choose the OPCO"),
        ("atlas", None, "A-1", "amount the OPCO funds"),
        ("atlas", Decimal("4050.01"), "A-1", "more than the order's total"),
        ("atlas", Decimal("100.00"), "", "funding agreement"),
    ],
)
def test_an_incomplete_opco_choice_is_refused(order, manager_and_org, opco, amount, number, message):
    manager, _ = manager_and_org

    with translation.override("en"), pytest.raises(CompanyPaymentRefused, match=message):
        invoice_company_order(
            order=order,
            by=manager,
            payment_way=PaymentWay.OPCO,
            opco=opco,
            opco_amount=amount,
            opco_agreement_number=number,
        )

    assert not Invoice.objects.exists()


def test_a_paid_order_cannot_be_invoiced_again(order, manager_and_org):
    manager, _ = manager_and_org
    pay_by_card(order)

    with pytest.raises(CompanyPaymentRefused):
        invoice_company_order(order=order, by=manager, payment_way=PaymentWay.TRANSFER)
