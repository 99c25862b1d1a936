"""The order page of a company: paying by card, by bank transfer, through an OPCO; the dummy invoice page."""

import re
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse
from django.utils import translation

from enrolments.factories import UserFactory
from enrolments.models import Invoice, InvoicePayer, OrderStatus
from enrolments.payments import get_backend
from tests.enrolments.company.payment_data import company, pending_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dummy_backend(settings):
    settings.PAYMENT_BACKEND = "dummy"


@pytest.fixture
def manager_and_org():
    return company()


@pytest.fixture
def order(session, manager_and_org):
    manager, organisation = manager_and_org
    return pending_order(session=session, organisation=organisation, manager=manager, quantity=3)


@pytest.fixture
def manager(client, manager_and_org):
    client.force_login(manager_and_org[0])
    return manager_and_org[0]


def url(name: str, order, **query) -> str:
    """The English page, so assertions on text do not depend on the French translations."""
    with translation.override("en"):
        path = reverse(f"organisations:{name}", args=[order.organisation.public_id, order.reference])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def text(soup) -> str:
    return re.sub(r"\s+", " ", soup.get_text(" ")).strip()


def radios(soup) -> dict[str, bool]:
    """Each payment way offered, and whether it can be chosen."""
    return {r["value"]: not r.has_attr("disabled") for r in soup.select("input[name=payment_way]")}


# --- who may see it ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["order", "order_return"])
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, order, name):
    response = client.get(url(name, order))

    assert response.status_code == 302
    assert "/login/" in response["Location"] or "connexion" in response["Location"]


@pytest.mark.parametrize("name", ["order", "order_return"])
def test_the_manager_of_another_organisation_gets_a_404(client, order, name):
    other, _ = company(manager_email="rh@autre.example", name="Autre SA")
    client.force_login(other)

    assert client.get(url(name, order)).status_code == 404
    assert client.post(url("order", order), {"payment_way": "transfer"}).status_code == 404
    assert not Invoice.objects.exists()


# --- the page -----------------------------------------------------------------------------------


def test_a_pending_order_shows_its_documents_and_the_three_ways_to_pay(client, manager, order):
    response = client.get(url("order", order))

    assert response.status_code == 200
    soup = soup_of(response)
    assert order.reference in soup.h1.get_text()
    assert radios(soup) == {"card": True, "transfer": True, "opco": True}
    agreement = order.agreement
    assert soup.find("a", href=re.compile(rf"/conventions/{agreement.reference}\.pdf$"))
    page = text(soup)
    assert "Places still unpaid on" in page
    assert "4,050.00" in page
    assert soup.select_one("select[name=opco]")


def test_an_unverified_organisation_sees_transfer_and_opco_disabled_with_the_reason(client, session):
    manager, organisation = company(verified=False)
    order = pending_order(session=session, organisation=organisation, manager=manager)
    client.force_login(manager)

    soup = soup_of(client.get(url("order", order)))

    assert radios(soup) == {"card": True, "transfer": False, "opco": False}
    assert "once we have verified your organisation" in text(soup)


def test_an_unverified_organisation_cannot_force_a_transfer(client, session):
    manager, organisation = company(verified=False)
    order = pending_order(session=session, organisation=organisation, manager=manager)
    client.force_login(manager)

    response = client.post(url("order", order), {"payment_way": "transfer", "purchase_order_number": "PO-9"})

    assert response.status_code == 400
    soup = soup_of(response)
    assert "once we have verified your organisation" in text(soup.select_one("[role=alert]"))
    assert soup.select_one("input[name=purchase_order_number]")["value"] == "PO-9"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert not Invoice.objects.exists()


def test_paying_by_card_goes_to_the_checkout_and_comes_back_paid(client, manager, order):
    response = client.post(url("order", order), {"payment_way": "card"})

    assert response.status_code == 302
    order.refresh_from_db()
    checkout_url = response["Location"]
    assert checkout_url == f"http://testserver/payments/dummy/checkout/{order.checkout_id}/"
    # The manager pays on the provider's page (the dummy one here), which sends them back.
    assert client.get(checkout_url).status_code == 200
    back = client.post(checkout_url, {"outcome": "succeed"})
    assert back["Location"].startswith(f"http://testserver{url('order_return', order)}")

    page = client.get(back["Location"])

    assert page.status_code == 200
    soup = soup_of(page)
    assert "the order is paid" in soup.h1.get_text()
    assert soup.find("a", href=url("seats", order))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.seats.count() == 3


def test_coming_back_without_paying_says_so(client, manager, order):
    client.post(url("order", order), {"payment_way": "card"})

    soup = soup_of(client.get(url("order_return", order)))

    assert "not confirmed yet" in soup.h1.get_text()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_paying_by_transfer_issues_the_invoice_and_shows_it(client, manager, order):
    response = client.post(url("order", order), {"payment_way": "transfer", "purchase_order_number": "PO-2027-12"})

    assert response.status_code == 302
    assert response["Location"] == url("order", order)
    [invoice] = Invoice.objects.filter(order=order)
    soup = soup_of(client.get(response["Location"]))
    page = text(soup)
    assert invoice.number in text(soup.select_one(".messages"))
    assert "To pay by transfer by" in page
    assert soup.find("a", href=invoice.hosted_url)
    assert soup.find("a", href=re.compile(rf"/factures/{invoice.pk}\.pdf$"))
    assert soup.find("a", href=url("seats", order))
    assert not soup.select("input[name=payment_way]")
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    assert order.purchase_order_number == "PO-2027-12"


def test_opco_subrogation_issues_two_invoices(client, manager, order):
    response = client.post(
        url("order", order),
        {
            "payment_way": "opco",
            "opco": "atlas",
            "opco_agreement_number": "ATL-2027-555",
            "opco_amount": "3000.00",
        },
    )

    assert response.status_code == 302
    payers = dict(Invoice.objects.filter(order=order).values_list("payer", "total_incl_tax"))
    assert payers == {InvoicePayer.FUNDER: Decimal("3000.00"), InvoicePayer.BUYER: Decimal("1050.00")}
    page = text(soup_of(client.get(response["Location"])))
    assert "Atlas (OPCO, subrogation)" in page
    assert "ATL-2027-555" in page


def test_an_incomplete_opco_choice_is_refused_and_keeps_what_was_typed(client, manager, order):
    response = client.post(
        url("order", order),
        {"payment_way": "opco", "opco": "atlas", "opco_amount": "5000", "purchase_order_number": "PO-3"},
    )

    assert response.status_code == 400
    soup = soup_of(response)
    errors = text(soup.select_one(".form-errors"))
    assert "funding agreement" in errors
    assert "more than the order's total" in errors
    assert soup.select_one("input[name=opco_amount]")["value"] == "5000"
    assert soup.select_one("input[name=purchase_order_number]")["value"] == "PO-3"
    assert soup.select_one("input[name=payment_way][value=opco]").has_attr("checked")
    assert not Invoice.objects.exists()


def test_a_required_purchase_order_must_be_given(client, session):
    manager, organisation = company(purchase_order_required=True)
    order = pending_order(session=session, organisation=organisation, manager=manager)
    client.force_login(manager)

    soup = soup_of(client.get(url("order", order)))
    assert soup.select_one("input[name=purchase_order_number]").has_attr("required")

    response = client.post(url("order", order), {"payment_way": "transfer", "purchase_order_number": ""})

    assert response.status_code == 400
    assert soup_of(response).select_one("#id_purchase_order_number_errors")
    assert not Invoice.objects.exists()


def test_an_order_no_longer_pending_offers_no_payment(client, manager, order):
    client.post(url("order", order), {"payment_way": "transfer"})

    response = client.post(url("order", order), {"payment_way": "card"})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED
    assert order.checkout_id == ""


# --- the dummy provider's hosted invoice ----------------------------------------------------------


@pytest.fixture
def hosted(client, manager, order, django_capture_on_commit_callbacks):
    client.post(url("order", order), {"payment_way": "transfer"})
    client.logout()  # the billing contact follows the link from the email, not signed in
    return Invoice.objects.get(order=order)


def test_the_hosted_invoice_shows_what_to_pay_and_simulates_the_transfer(
    client, hosted, order, manager, django_capture_on_commit_callbacks
):
    response = client.get(hosted.hosted_url, HTTP_COOKIE="django_language=en")

    assert response.status_code == 200
    soup = soup_of(response)
    assert hosted.number in soup.h1.get_text()
    assert "4,050.00" in text(soup)
    button = soup.select_one("button[name=action][value=transfer]")
    assert button.get_text(strip=True) == "Simulate the bank transfer"

    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(hosted.hosted_url, {"action": "transfer"})

    assert paid.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert get_backend("dummy").retrieve_invoice(hosted.provider_invoice_id).status == "paid"
    assert any(order.reference in m.subject and manager.email in m.to for m in mail.outbox)
    again = soup_of(client.get(hosted.hosted_url))
    assert not again.select("button[name=action]")


def test_the_hosted_invoice_page_only_exists_with_the_dummy_backend(client, hosted, settings):
    assert client.get(reverse("payments:dummy_invoice", args=["in_dummy_unknown"])).status_code == 404
    settings.PAYMENT_BACKEND = "stripe"

    assert client.get(hosted.hosted_url).status_code == 404


def test_the_dummy_checkout_of_a_company_is_for_its_managers_only(client, manager, order):
    client.post(url("order", order), {"payment_way": "card"})
    order.refresh_from_db()
    client.force_login(UserFactory(email="intrus@example.org"))

    assert client.get(f"/payments/dummy/checkout/{order.checkout_id}/").status_code == 404
