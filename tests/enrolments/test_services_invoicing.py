"""Invoice numbering, issuing and credit notes (enrolments.services.invoicing)."""

import datetime as dt
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from enrolments.factories import InstalmentFactory, OrderFactory
from enrolments.models import Invoice, InvoiceKind, Refund
from enrolments.models.orders import RefundStatus
from enrolments.services.invoicing import InvoicingError, issue_credit_note, issue_invoice, next_invoice_number

PARIS = ZoneInfo("Europe/Paris")
IN_2027 = dt.datetime(2027, 3, 1, 10, 0, tzinfo=PARIS)
IN_2028 = dt.datetime(2028, 1, 5, 10, 0, tzinfo=PARIS)


@pytest.fixture
def order(session, learner):
    order = OrderFactory(session=session, buyer=learner)
    InstalmentFactory(order=order, number=1, due_on=dt.date(2027, 3, 15), amount=Decimal("270.00"))
    InstalmentFactory(order=order, number=2, due_on=dt.date(2027, 4, 15), amount=Decimal("630.00"))
    return order


@pytest.fixture
def make_order(session):
    return lambda: OrderFactory(session=session)


def paid_refund(order, amount):
    return Refund.objects.create(
        order=order, instalment=order.instalments.first(), amount=Decimal(amount), status=RefundStatus.SUCCEEDED
    )


def test_invoices_are_numbered_one_after_the_other_from_000001(make_order):
    numbers = [issue_invoice(order=make_order(), issued_at=IN_2027).number for _ in range(3)]

    assert numbers == ["2027-000001", "2027-000002", "2027-000003"]


def test_numbering_restarts_at_1_on_a_new_year_and_each_year_keeps_its_own_series(make_order):
    issue_invoice(order=make_order(), issued_at=IN_2027)
    issue_invoice(order=make_order(), issued_at=IN_2027)

    first_of_2028 = issue_invoice(order=make_order(), issued_at=IN_2028)
    late_2027 = issue_invoice(order=make_order(), issued_at=IN_2027)

    assert (first_of_2028.number, first_of_2028.year, first_of_2028.sequence) == ("2028-000001", 2028, 1)
    assert late_2027.number == "2027-000003"


def test_the_year_is_the_year_in_paris_on_new_years_eve(make_order):
    # 23:30 UTC on 31 December is already 1 January in Lyon.
    invoice = issue_invoice(order=make_order(), issued_at=dt.datetime(2027, 12, 31, 23, 30, tzinfo=dt.UTC))

    assert invoice.number == "2028-000001"


def test_issuing_an_order_twice_returns_the_same_invoice_and_uses_one_number(order, make_order):
    first = issue_invoice(order=order, issued_at=IN_2027)
    again = issue_invoice(order=order, issued_at=IN_2027)
    next_one = issue_invoice(order=make_order(), issued_at=IN_2027)

    assert again.pk == first.pk
    assert order.invoices.count() == 1
    assert next_one.number == "2027-000002"


def test_a_rolled_back_invoice_gives_its_number_back(make_order):
    with pytest.raises(RuntimeError), transaction.atomic():
        assert issue_invoice(order=make_order(), issued_at=IN_2027).number == "2027-000001"
        raise RuntimeError("payment provider down")

    invoice = issue_invoice(order=make_order(), issued_at=IN_2027)

    assert invoice.number == "2027-000001"
    assert Invoice.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_taking_a_number_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="transaction"):
        next_invoice_number(year=2027)


def test_the_invoice_freezes_seller_buyer_line_and_schedule(order, learner, settings):
    invoice = issue_invoice(order=order, issued_at=IN_2027)
    learner.street_address = "1 place Bellecour"
    learner.save()
    settings.SELLER = {**settings.SELLER, "siret": "00000000000000"}
    invoice.refresh_from_db()

    assert invoice.seller["siret"] == "19694123100019"
    assert invoice.buyer["name"] == "Camille Martin"
    assert invoice.buyer["address"].startswith("12 rue de la République\n69002 Lyon")
    assert invoice.buyer["email"] == "camille@example.org"
    [line] = invoice.lines
    assert line["description"].startswith("Apprentissage frugal — IAF-TST-2027-01, ")
    assert (line["quantity"], line["unit_price_excl_tax"], line["total_incl_tax"]) == (1, "900.00", "900.00")
    assert "270,00\u00a0€" in invoice.payment_terms
    assert "15 mars 2027" in invoice.payment_terms
    assert "630,00\u00a0€" in invoice.payment_terms


def test_an_exempt_seller_invoices_without_vat(order):
    invoice = issue_invoice(order=order, issued_at=IN_2027)

    assert invoice.vat_exempt is True
    assert (invoice.total_excl_tax, invoice.total_vat, invoice.total_incl_tax) == (
        Decimal("900.00"),
        Decimal("0.00"),
        Decimal("900.00"),
    )
    assert invoice.lines[0]["vat_rate"] == "0.00"


def test_a_seller_without_the_exemption_invoices_the_order_vat(session, settings):
    settings.SELLER_VAT_EXEMPT = False
    order = OrderFactory(
        session=session,
        vat_exempt=False,
        vat_rate=Decimal("20.00"),
        amount_excl_tax=Decimal("750.00"),
        amount_incl_tax=Decimal("900.00"),
    )

    invoice = issue_invoice(order=order, issued_at=IN_2027)

    assert invoice.vat_exempt is False
    assert (invoice.total_excl_tax, invoice.total_vat, invoice.total_incl_tax) == (
        Decimal("750.00"),
        Decimal("150.00"),
        Decimal("900.00"),
    )
    assert (invoice.lines[0]["vat_rate"], invoice.lines[0]["total_vat"]) == ("20.00", "150.00")


def test_a_credit_note_takes_the_next_number_and_references_the_invoice(order):
    invoice = issue_invoice(order=order, issued_at=IN_2027)

    credit_note = issue_credit_note(refund=paid_refund(order, "270.00"), issued_at=IN_2027)

    assert credit_note.kind == InvoiceKind.CREDIT_NOTE
    assert credit_note.number == "2027-000002"
    assert credit_note.credited_invoice == invoice
    assert credit_note.total_incl_tax == Decimal("-270.00")
    assert credit_note.lines[0]["total_incl_tax"] == "-270.00"
    assert credit_note.buyer == invoice.buyer


def test_issuing_a_refund_twice_returns_the_same_credit_note(order):
    issue_invoice(order=order, issued_at=IN_2027)
    refund = paid_refund(order, "270.00")

    first = issue_credit_note(refund=refund, issued_at=IN_2027)
    again = issue_credit_note(refund=refund, issued_at=IN_2027)

    assert again.pk == first.pk
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 1


def test_a_refund_of_an_order_never_invoiced_invoices_it_first(order):
    credit_note = issue_credit_note(refund=paid_refund(order, "900.00"), issued_at=IN_2027)

    assert credit_note.credited_invoice.number == "2027-000001"
    assert credit_note.number == "2027-000002"


def test_credit_notes_cannot_credit_more_than_the_invoice(order):
    issue_invoice(order=order, issued_at=IN_2027)
    issue_credit_note(refund=paid_refund(order, "630.00"), issued_at=IN_2027)

    with pytest.raises(InvoicingError, match="more than invoice 2027-000001"):
        issue_credit_note(refund=paid_refund(order, "300.00"), issued_at=IN_2027)
    assert Invoice.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_invoices_get_numbers_1_to_20(wagtail_tree, session):
    orders = [OrderFactory(session=session) for _ in range(20)]
    start = threading.Barrier(len(orders))
    numbers, errors = [], []

    def issue(order):
        try:
            start.wait()
            numbers.append(issue_invoice(order=order, issued_at=IN_2027).number)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(numbers) == [f"2027-{n:06d}" for n in range(1, 21)]
