"""The finance admin of companies: organisations to verify, company orders (transfers, refunds, CSV), quotes."""

import csv
import io
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from enrolments.factories import MembershipFactory, OrganisationFactory, UserFactory
from enrolments.models import InvoiceKind, InvoicePayer, Order, OrderStatus, Organisation, Quote, Refund
from enrolments.models.orders import RefundStatus
from enrolments.payments.dummy import DummyBackend
from tests.enrolments.company.release_data import card_paid_order, invoiced_order, opco_order, transfer_paid_order

pytestmark = pytest.mark.django_db

ORGANISATIONS = "admin_organisations:index"
ORDERS = "admin_company_orders:index"
QUOTES = "admin_company_quotes:index"


@pytest.fixture(autouse=True)
def _company_settings(settings):
    settings.PAYMENT_BACKEND = "dummy"


@pytest.fixture
def finance(django_user_model):
    """A member of "Finance staff", with the permissions the data migrations give it."""
    user = django_user_model.objects.create_user(username="fanny", password="pw", email="fanny@x.test")
    user.groups.add(Group.objects.get(name="Finance staff"))
    return user


@pytest.fixture
def designer(django_user_model):
    user = django_user_model.objects.create_user(username="denis", password="pw", email="denis@x.test")
    user.groups.add(Group.objects.get(name="Course designers"))
    return user


@pytest.fixture
def manager(db):
    return UserFactory(email="rh@acme.example", first_name="Hélène")


@pytest.fixture
def organisation(manager):
    return OrganisationFactory(name="Acme Lyon", manager=manager, billing_contact_email="compta@acme.example")


@pytest.fixture
def build(session, organisation, manager, legal_texts, django_capture_on_commit_callbacks):
    """A company order of ``session`` built through the services (the emails it queues are dropped)."""

    def build(builder, **kwargs):
        with django_capture_on_commit_callbacks():
            order = builder(session=session, organisation=organisation, manager=manager, **kwargs)
        return Order.objects.get(pk=order.pk)

    return build


def french(text: str, **values) -> str:
    """A message as the admin shows it in French (the default language), HTML-escaped."""
    with translation.override("fr"):
        return escape(gettext(text) % values if values else gettext(text))


def page(client, url_name, *args, **params) -> str:
    response = client.get(reverse(url_name, args=args), params)
    assert response.status_code == 200
    return response.content.decode()


def rows(html: str) -> list[str]:
    body = BeautifulSoup(html, "html.parser").select("table.listing tbody tr")
    return [row.get_text(" ", strip=True) for row in body]


def order_url(order) -> str:
    return reverse("admin_company_orders:inspect", args=(order.pk,))


# --- organisations ------------------------------------------------------------------------------


def test_finance_staff_see_organisations_to_verify_first_with_their_managers(client, finance, organisation):
    newcomer = OrganisationFactory(name="Zeta Conseil", verified_at=None)
    MembershipFactory(organisation=newcomer)
    MembershipFactory(organisation=newcomer)
    client.force_login(finance)

    listed = rows(page(client, ORGANISATIONS))

    assert listed[0].startswith("Zeta Conseil") and newcomer.siret in listed[0]
    assert "Acme Lyon" in listed[1]
    assert " 2 " in f" {listed[0]} " and " 1 " in f" {listed[1]} "
    unverified = rows(page(client, ORGANISATIONS, verified="no"))
    assert len(unverified) == 1 and unverified[0].startswith("Zeta Conseil")


def test_finance_staff_verify_an_organisation(client, finance):
    newcomer = OrganisationFactory(name="Zeta Conseil", verified_at=None)
    url = reverse("admin_organisations:verify", args=(newcomer.pk,))
    client.force_login(finance)
    assert url in page(client, ORGANISATIONS)
    assert newcomer.siret in page(client, "admin_organisations:verify", newcomer.pk)

    response = client.post(url, follow=True)

    assert response.status_code == 200
    newcomer.refresh_from_db()
    assert newcomer.verified_at is not None and newcomer.verified_by == finance
    assert french("%(name)s is verified: it may now pay by invoice.", name="Zeta Conseil") in response.content.decode()
    assert url not in page(client, ORGANISATIONS)


def test_a_course_designer_cannot_verify_nor_see_the_company_lists(client, designer):
    newcomer = OrganisationFactory(verified_at=None)
    client.force_login(designer)

    response = client.post(reverse("admin_organisations:verify", args=(newcomer.pk,)))

    assert response.status_code in (302, 403)
    newcomer.refresh_from_db()
    assert newcomer.verified_at is None
    for url_name in (ORGANISATIONS, ORDERS, QUOTES):
        listing = client.get(reverse(url_name))
        assert listing.status_code in (302, 403)
        if listing.status_code == 302:
            assert listing["Location"] == reverse("wagtailadmin_home")
    home = page(client, "wagtailadmin_home")
    assert "/admin/company-orders/" not in home and "/admin/organisations/" not in home


def test_the_companies_menu_is_shown_to_finance_staff(client, finance):
    client.force_login(finance)

    home = page(client, "wagtailadmin_home")

    for url in ("/admin/organisations/", "/admin/company-orders/", "/admin/company-quotes/"):
        assert url in home


# --- company orders: list, filters, CSV ---------------------------------------------------------


def test_the_order_list_shows_organisation_session_places_total_payment_and_release_date(client, finance, build):
    order = build(invoiced_order)
    client.force_login(finance)

    [row] = rows(page(client, ORDERS))

    assert order.reference in row and "Acme Lyon" in row and "IAF-TST-2027-01" in row
    assert "4050,00 €" in row
    with translation.override("fr"):
        assert str(OrderStatus.INVOICED.label) in row
        assert order.release_on.strftime("%d/%m/%Y") in row


def test_the_order_list_filters_by_status_payment_and_unpaid_past_due(client, finance, build):
    unpaid = build(invoiced_order, quantity=2)
    paid = build(card_paid_order, quantity=1)
    unpaid.invoices.update(due_on=timezone.localdate() - timezone.timedelta(days=1))
    client.force_login(finance)

    by_status = " ".join(rows(page(client, ORDERS, status=OrderStatus.PAID)))
    by_way = " ".join(rows(page(client, ORDERS, payment_way="transfer")))
    past_due = " ".join(rows(page(client, ORDERS, unpaid_past_due="yes")))

    assert paid.reference in by_status and unpaid.reference not in by_status
    assert unpaid.reference in by_way and paid.reference not in by_way
    assert unpaid.reference in past_due and paid.reference not in past_due


def test_the_order_list_runs_the_same_queries_for_one_or_many_orders(client, finance, build):
    build(invoiced_order, quantity=1)
    client.force_login(finance)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            page(client, ORDERS)
        return len(queries)

    one = count()
    build(invoiced_order, quantity=1)
    build(card_paid_order, quantity=1)

    assert count() == one


def test_the_csv_export_lists_the_filtered_orders_with_invoices_and_paid_dates(client, finance, build, organisation):
    paid = build(transfer_paid_order, quantity=2)
    build(invoiced_order, quantity=1)
    client.force_login(finance)

    response = client.get(reverse(ORDERS), {"export": "csv", "status": OrderStatus.PAID})

    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    [header, row] = list(csv.reader(io.StringIO(content)))
    assert len(header) == 12
    invoice = paid.invoices.get()
    assert row[:7] == [
        paid.reference,
        "Acme Lyon",
        organisation.siret,
        "IAF-TST-2027-01",
        "2",
        "2700.00",
        "2700.00",
    ]
    assert row[9:] == ["", invoice.number, timezone.localdate(invoice.paid_at).isoformat()]


# --- company orders: detail and actions ---------------------------------------------------------


def test_the_order_page_shows_its_invoices_with_payer_due_date_and_payment(client, finance, build):
    order = build(opco_order)
    client.force_login(finance)

    html = page(client, "admin_company_orders:inspect", order.pk)

    for invoice in order.invoices.all():
        assert invoice.number in html
    with translation.override("fr"):
        assert escape(str(InvoicePayer.FUNDER.label)) in html
    assert french("Record a transfer received") in html and french("Refund") in html


def test_recording_the_last_transfer_marks_the_order_paid(client, finance, build):
    order = build(opco_order)
    funder = order.invoices.get(payer=InvoicePayer.FUNDER)
    buyer = order.invoices.get(payer=InvoicePayer.BUYER)
    client.force_login(finance)

    def record(invoice):
        data = {
            "action": "transfer",
            "transfer-invoice": invoice.pk,
            "transfer-received_on": timezone.localdate().isoformat(),
            "transfer-reference": f"VIR-{invoice.number}",
        }
        return client.post(order_url(order), data, follow=True)

    first = record(funder)
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    assert french("Transfer recorded: invoice %(number)s is paid.", number=funder.number) in first.content.decode()

    record(buyer)

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    buyer.refresh_from_db()
    assert timezone.localdate(buyer.paid_at) == timezone.localdate()
    assert DummyBackend().retrieve_invoice(buyer.provider_invoice_id).status == "paid"
    assert order.instalments.get(number=1).provider_payment_id == f"VIR-{buyer.number}"


def test_a_transfer_for_an_invoice_already_paid_is_refused_with_a_message(client, finance, build):
    order = build(transfer_paid_order)
    invoice = order.invoices.get()
    client.force_login(finance)

    response = client.post(
        order_url(order),
        {
            "action": "transfer",
            "transfer-invoice": invoice.pk,
            "transfer-received_on": timezone.localdate().isoformat(),
            "transfer-reference": "VIR-DOUBLE",
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert french("Nothing was recorded: please correct the errors below.") in html
    assert french("This invoice is already paid, or is not an invoice of this order.") in html
    assert order.instalments.get().provider_payment_id == "VIR-2027-0042"


def test_a_transfer_dated_in_the_future_is_refused_and_the_form_keeps_what_was_typed(client, finance, build):
    order = build(invoiced_order)
    invoice = order.invoices.get()
    client.force_login(finance)
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)

    response = client.post(
        order_url(order),
        {
            "action": "transfer",
            "transfer-invoice": invoice.pk,
            "transfer-received_on": tomorrow.isoformat(),
            "transfer-reference": "VIR-EN-AVANCE",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert french("The date cannot be in the future.") in html
    assert 'value="VIR-EN-AVANCE"' in html
    invoice.refresh_from_db()
    assert invoice.paid_at is None


def test_a_card_refund_goes_through_the_provider_with_a_credit_note(client, finance, build):
    order = build(card_paid_order)
    client.force_login(finance)

    response = client.post(
        order_url(order),
        {"action": "refund", "refund-amount": "1350.00", "refund-reason": "Une place annulée"},
        follow=True,
    )

    assert response.status_code == 200
    [refund] = order.refunds.all()
    assert (refund.amount, refund.status) == (Decimal("1350.00"), RefundStatus.SUCCEEDED)
    payment = DummyBackend().retrieve_payment(order.instalments.get().provider_payment_id)
    assert payment.amount_refunded == Decimal("1350.00")
    note = order.invoices.get(kind=InvoiceKind.CREDIT_NOTE)
    assert note.total_incl_tax == Decimal("-1350.00")
    html = response.content.decode()
    assert note.number in html
    assert french("Refund of %(amount)s recorded, with its credit note.", amount="1350,00 €") in html


def test_a_second_card_refund_for_the_same_reason_is_made_too(client, finance, build):
    order = build(card_paid_order)
    client.force_login(finance)
    data = {"action": "refund", "refund-amount": "100.00", "refund-reason": "Geste commercial"}

    client.post(order_url(order), data)
    client.post(order_url(order), data)

    assert sorted(order.refunds.values_list("amount", flat=True)) == [Decimal("100.00"), Decimal("100.00")]
    assert order.invoices.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 2


def test_a_transfer_refund_is_recorded_as_made_with_its_credit_note(client, finance, build):
    order = build(transfer_paid_order)
    client.force_login(finance)

    client.post(order_url(order), {"action": "refund", "refund-amount": "4050.00", "refund-reason": "Session annulée"})

    [refund] = Refund.objects.filter(order=order)
    assert (refund.amount, refund.status) == (Decimal("4050.00"), RefundStatus.SUCCEEDED)
    with translation.override("fr"):
        assert refund.reason == gettext("%(reason)s, by bank transfer") % {"reason": "Session annulée"}
        terms = gettext("Refunded by bank transfer.")
    assert order.instalments.get().amount_refunded == Decimal("4050.00")
    note = order.invoices.get(kind=InvoiceKind.CREDIT_NOTE)
    assert note.refund == refund and note.total_incl_tax == Decimal("-4050.00")
    assert note.payment_terms == terms


def test_refunding_more_than_was_paid_is_refused_with_a_message(client, finance, build):
    order = build(card_paid_order)
    client.force_login(finance)

    response = client.post(order_url(order), {"action": "refund", "refund-amount": "5000.00", "refund-reason": "Trop"})

    assert response.status_code == 200
    html = response.content.decode()
    assert french("Nothing was recorded: please correct the errors below.") in html
    refusal = "Cannot refund %(amount)s %(currency)s: only %(available)s %(currency)s can still be refunded."
    assert french(refusal, amount="5000.00", available="4050.00", currency="EUR") in html
    assert 'value="5000.00"' in html and 'value="Trop"' in html
    assert order.refunds.count() == 0
    assert not order.invoices.filter(kind=InvoiceKind.CREDIT_NOTE).exists()


def test_a_course_designer_cannot_see_an_order_nor_refund_it(client, designer, build):
    order = build(card_paid_order)
    client.force_login(designer)

    shown = client.get(order_url(order))
    refused = client.post(order_url(order), {"action": "refund", "refund-amount": "10.00", "refund-reason": "x"})

    assert shown.status_code in (302, 403) and refused.status_code in (302, 403)
    assert order.refunds.count() == 0


def test_staff_who_may_only_view_orders_get_no_finance_actions(client, build, django_user_model):
    order = build(card_paid_order)
    readers = Group.objects.create(name="Order readers")
    readers.permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_order")
    )
    reader = django_user_model.objects.create_user(username="vera", password="pw", email="vera@x.test")
    reader.groups.add(readers)
    client.force_login(reader)

    html = page(client, "admin_company_orders:inspect", order.pk)
    refused = client.post(order_url(order), {"action": "refund", "refund-amount": "10.00", "refund-reason": "x"})

    assert order.reference in html and 'name="refund-amount"' not in html
    assert refused.status_code in (302, 403)
    assert order.refunds.count() == 0


# --- quotes -------------------------------------------------------------------------------------


def test_finance_staff_read_the_quotes(client, finance, session, organisation, manager):
    from enrolments.services.quotes import quote_create

    quote = quote_create(organisation=organisation, session=session, requested_by=manager, quantity=2)
    client.force_login(finance)

    [row] = rows(page(client, QUOTES))

    assert quote.reference in row and "Acme Lyon" in row and "IAF-TST-2027-01" in row
    assert "/admin/company-quotes/edit/" not in page(client, QUOTES)
    assert Quote.objects.count() == 1 and Organisation.objects.count() == 1
