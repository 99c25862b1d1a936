"""An organisation's space as its managers see it: orders, seats, employees, documents, calendar address."""

import datetime as dt
import re

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import formats, timezone, translation

from courses.factories import SessionFactory, make_slots
from enrolments.factories import (
    CompanyOrderFactory,
    EnrolmentFactory,
    OrderFactory,
    OrganisationFactory,
    UserFactory,
)
from enrolments.models import Attendance, AttendanceStatus, InvoiceKind, OrderStatus, Organisation
from tests.enrolments.company.dashboard_data import (
    claimed_seat,
    completed_seat,
    make_agreement,
    make_invoice,
    make_quote,
    order_with_seats,
)

pytestmark = pytest.mark.django_db

HOSTED = "https://invoice.stripe.com/i/acct_1Test/test_YWNjdF8x"


def url(name: str, organisation: Organisation, *args) -> str:
    """The English URL, so assertions on text do not depend on the French translations."""
    with translation.override("en"):
        return reverse(f"organisations:{name}", args=[organisation.public_id, *args])


def page(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def text(soup) -> str:
    return re.sub(r"[ \t\r\n]+", " ", soup.get_text(" ")).strip()


def english_date(value) -> str:
    with translation.override("en"):
        return formats.date_format(value, "j F Y")


@pytest.fixture
def manager():
    return UserFactory(first_name="Dominique", last_name="Garnier")


@pytest.fixture
def organisation(manager):
    return OrganisationFactory(name="Acme Lyon", manager=manager)


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def other_manager(client):
    """A manager of another organisation, signed in."""
    user = UserFactory()
    OrganisationFactory(manager=user)
    client.force_login(user)
    return client


# --- the overview -------------------------------------------------------------------------------


def test_empty_organisation_explains_how_to_buy_seats(signed_in, organisation, catalogue_page):
    soup = page(signed_in.get(url("overview", organisation)))
    empty = soup.select_one(".dashboard-empty")
    assert "No orders yet" in text(empty)
    assert "Book places for my team" in text(empty)
    assert empty.select_one("a.button")["href"].endswith("/formations/")


def test_overview_lists_orders_with_status_and_documents(signed_in, organisation, session):
    order = CompanyOrderFactory(
        organisation=organisation, session=session, status=OrderStatus.INVOICED, payment_way="transfer"
    )
    agreement = make_agreement(order)
    invoice = make_invoice(order, hosted_url=HOSTED)

    soup = page(signed_in.get(url("overview", organisation)))
    row = soup.select_one(f"#order-{order.reference}")
    assert "Apprentissage frugal — IAF-TST-2027-01" in text(row)
    assert "Invoiced, awaiting payment" in text(row)
    assert "By bank transfer against an invoice" in text(row)
    links = {a["href"] for a in row.select("a")}
    assert url("order", organisation, order.reference) in links
    assert url("quote_pdf", organisation, agreement.quote.reference) in links
    assert url("agreement_pdf", organisation, agreement.reference) in links
    assert url("invoice_pdf", organisation, invoice.pk) in links
    assert HOSTED in links
    assert url("seats", organisation, order.reference) in links
    assert not soup.select(".dashboard-empty")


def test_pending_order_has_no_seats_link_and_warns_of_its_release(signed_in, organisation, session):
    release_on = timezone.localdate() + dt.timedelta(days=40)
    order = CompanyOrderFactory(
        organisation=organisation, session=session, status=OrderStatus.PENDING, release_on=release_on
    )

    soup = page(signed_in.get(url("overview", organisation)))
    row = soup.select_one(f"#order-{order.reference}")
    assert f"Seats released if unpaid on {english_date(release_on)}" in text(row)
    assert url("seats", organisation, order.reference) not in {a["href"] for a in row.select("a")}
    session_row = soup.select_one(f"#session-{session.code}")
    assert f"these seats are released on {english_date(release_on)}" in text(session_row)


def test_open_quote_shows_its_validity(signed_in, organisation, session):
    valid_until = timezone.localdate() + dt.timedelta(days=12)
    quote = make_quote(organisation, session, quantity=4, valid_until=valid_until)

    soup = page(signed_in.get(url("overview", organisation)))
    row = soup.select_one(f"#quote-{quote.reference}")
    assert english_date(valid_until) in text(row)
    assert "5,400\xa0€" in text(row)  # 4 × 1 350 € excluding VAT
    assert row.select_one("a")["href"] == url("quote", organisation, quote.reference)


def test_seat_counts_per_session(signed_in, organisation, session):
    order_with_seats(organisation, session, free=2, assigned=3, claimed=1)

    soup = page(signed_in.get(url("overview", organisation)))
    table = soup.select_one("#seat-counts")
    assert table.caption is not None
    headers = [th.get_text(strip=True) for th in table.select("thead th")]
    cells = [td.get_text(strip=True) for td in soup.select_one(f"#session-{session.code}").select("td")]
    counts = dict(zip(headers[1:], cells, strict=False))
    assert counts["Assigned, not yet claimed"] == "3"
    assert counts["Claimed"] == "1"
    assert counts["Free"] == "2"


def test_employees_show_completion_and_a_certificate_link_only_when_completed(signed_in, organisation, session):
    order = CompanyOrderFactory(organisation=organisation, session=session, quantity=2)
    done = completed_seat(order, learner=UserFactory(first_name="Alix", last_name="Durand"))
    ongoing = claimed_seat(order, learner=UserFactory(first_name="Noé", last_name="Petit"))

    soup = page(signed_in.get(url("overview", organisation)))
    table = soup.select_one(f"#employees-{session.code}")
    assert table.caption is not None
    rows = {row.th.get_text(strip=True): row for row in table.select("tbody tr")}
    assert set(rows) == {"Alix Durand", "Noé Petit"}
    assert "Completed" in text(rows["Alix Durand"])
    assert "3/3 criteria met" in text(rows["Alix Durand"])
    certificate = url("certificate_pdf", organisation, done.enrolment.public_id)
    assert rows["Alix Durand"].select_one("a")["href"] == certificate
    assert "Confirmed" in text(rows["Noé Petit"])
    assert "Not completed yet" in text(rows["Noé Petit"])
    assert rows["Noé Petit"].select("a") == []
    assert (
        url("certificate_pdf", organisation, ongoing.enrolment.public_id)
        not in signed_in.get(url("overview", organisation)).content.decode()
    )


@pytest.fixture
def past_session(course):
    """Two past days of 9:00–16:00 (7 hours each)."""
    start = timezone.localdate() - dt.timedelta(days=10)
    return SessionFactory(course=course, start=start, slots=make_slots(start, 2, end_time=dt.time(16, 0)))


def test_employees_show_the_hours_the_register_marks_present(signed_in, organisation, past_session):
    order = CompanyOrderFactory(organisation=organisation, session=past_session, quantity=2)
    marked = completed_seat(order, learner=UserFactory(first_name="Alix", last_name="Durand"))
    claimed_seat(order, learner=UserFactory(first_name="Noé", last_name="Petit"))
    first, second = past_session.slots.order_by("date")
    Attendance.objects.create(enrolment=marked.enrolment, slot=first, status=AttendanceStatus.PRESENT)
    Attendance.objects.create(enrolment=marked.enrolment, slot=second, status=AttendanceStatus.ABSENT)

    with translation.override("en"):
        soup = page(signed_in.get(url("overview", organisation)))
    table = soup.select_one(f"#employees-{past_session.code}")
    assert "Attendance" in [th.get_text(strip=True) for th in table.select("thead th")]
    rows = {row.th.get_text(strip=True): row for row in table.select("tbody tr")}
    assert rows["Alix Durand"].select_one("td.attendance").get_text(strip=True) == "7 h of 14 h"
    assert rows["Noé Petit"].select_one("td.attendance").get_text(strip=True) == "Not recorded yet"


def test_another_organisations_register_does_not_show(signed_in, organisation, past_session):
    ours = CompanyOrderFactory(organisation=organisation, session=past_session, quantity=1)
    completed_seat(ours, learner=UserFactory(first_name="Alix", last_name="Durand"))
    theirs = completed_seat(
        CompanyOrderFactory(organisation=OrganisationFactory(), session=past_session, quantity=1),
        learner=UserFactory(first_name="Sacha", last_name="Morel"),
    )
    for slot in past_session.slots.all():
        Attendance.objects.create(enrolment=theirs.enrolment, slot=slot, status=AttendanceStatus.PRESENT)

    with translation.override("en"):
        soup = page(signed_in.get(url("overview", organisation)))
    cells = [cell.get_text(strip=True) for cell in soup.select("td.attendance")]
    assert cells == ["Not recorded yet"]
    assert "Alix Durand" in text(soup)
    assert "Sacha Morel" not in text(soup)


def test_overview_shows_the_calendar_address(signed_in, organisation):
    soup = page(signed_in.get(url("overview", organisation)))
    feed = soup.select_one("#feed-url")
    assert feed["value"] == f"http://testserver/calendar/organisations/{organisation.calendar_token}.ics?lang=en"
    assert soup.select_one("label[for=feed-url]") is not None
    assert soup.select_one(f"form[action='{url('feed_regenerate', organisation)}']") is not None


def test_overview_query_count_does_not_grow_with_orders(client, course, catalogue_page, django_assert_max_num_queries):
    def manager_of(count: int):
        user = UserFactory()
        organisation = OrganisationFactory(manager=user)
        for _ in range(count):
            order = order_with_seats(organisation, SessionFactory(course=course), free=1, assigned=1, claimed=1)
            seat = completed_seat(order)
            Attendance.objects.create(
                enrolment=seat.enrolment, slot=order.session.slots.first(), status=AttendanceStatus.PRESENT
            )
            make_agreement(order)
            make_invoice(order, hosted_url=HOSTED)
            make_quote(organisation, order.session)
        return user, organisation

    user, organisation = manager_of(1)
    client.force_login(user)
    page(client.get(url("overview", organisation)))  # warm the site root paths cache
    with django_assert_max_num_queries(30) as queries:
        page(client.get(url("overview", organisation)))
    count_for_one = len(queries)
    user, organisation = manager_of(20)
    client.force_login(user)
    page(client.get(url("overview", organisation)))
    with django_assert_max_num_queries(count_for_one):
        soup = page(client.get(url("overview", organisation)))
    assert len(soup.select("tr[id^=order-]")) == 20
    assert len(soup.select("a[href*='/attestations/']")) == 20
    assert [cell.get_text(strip=True) for cell in soup.select("td.attendance")].count("8 h of 16 h") == 20


# --- documents --------------------------------------------------------------------------------


def test_documents_list_invoices_credit_notes_agreements_and_quotes(signed_in, manager, organisation, session):
    order = CompanyOrderFactory(organisation=organisation, session=session, status=OrderStatus.INVOICED)
    agreement = make_agreement(order)
    invoice = make_invoice(order, hosted_url=HOSTED, due_on=timezone.localdate() + dt.timedelta(days=30))
    credit_note = make_invoice(order, kind=InvoiceKind.CREDIT_NOTE, credited_invoice=invoice)
    lapsed = make_quote(organisation, session, valid_until=timezone.localdate() - dt.timedelta(days=1))
    mine = make_invoice(OrderFactory(session=session, buyer=manager, status=OrderStatus.ACTIVE))

    soup = page(signed_in.get(url("documents", organisation)))
    invoices = soup.select_one("#invoices")
    assert f"Invoice {invoice.number}" in text(invoices)
    assert f"Credit note {credit_note.number}" in text(invoices)
    assert f"Credits {invoice.number}" in text(invoices)
    assert mine.number not in text(soup)
    invoice_row = soup.select_one(f"#invoice-{invoice.pk}")
    assert invoice_row.select_one(f"a[href='{HOSTED}']") is not None
    assert url("invoice_pdf", organisation, invoice.pk) in {a["href"] for a in invoice_row.select("a")}
    assert agreement.reference in text(soup.select_one("#agreements"))
    quotes = soup.select_one("#quotes")
    assert "Expired" in text(quotes.select_one(f"#quote-{lapsed.reference}"))
    assert "Accepted" in text(quotes.select_one(f"#quote-{agreement.quote.reference}"))


def test_documents_empty(signed_in, organisation):
    soup = page(signed_in.get(url("documents", organisation)))
    assert "No documents yet" in text(soup)


# --- online invoice links -----------------------------------------------------------------------

ONLINE_STATES = {
    # state: (order status, invoice kind, paid)
    "unpaid": (OrderStatus.INVOICED, InvoiceKind.INVOICE, False),
    "paid": (OrderStatus.PAID, InvoiceKind.INVOICE, True),
    "credit note": (OrderStatus.INVOICED, InvoiceKind.CREDIT_NOTE, False),
    "seats released": (OrderStatus.CANCELLED, InvoiceKind.INVOICE, False),
}


def online_document(organisation, session, state: str):
    status, kind, paid = ONLINE_STATES[state]
    order = CompanyOrderFactory(organisation=organisation, session=session, status=status, payment_way="transfer")
    return make_invoice(order, kind=kind, hosted_url=HOSTED, paid_at=timezone.now() if paid else None)


@pytest.mark.parametrize("name", ["overview", "documents"])
@pytest.mark.parametrize(
    ("state", "label"),
    [
        ("unpaid", "Pay or view {} online"),
        ("paid", "View {} online"),
        ("credit note", "View {} online"),
        ("seats released", "View {} online"),
    ],
)
def test_the_online_invoice_link_offers_to_pay_only_what_is_still_to_pay(
    signed_in, organisation, session, name, state, label
):
    document = online_document(organisation, session, state)

    soup = page(signed_in.get(url(name, organisation)))

    [link] = soup.select(f"a[href='{HOSTED}']")
    assert text(link) == label.format(document.number)


@pytest.mark.parametrize(
    ("state", "offered"), [("unpaid", True), ("paid", False), ("credit note", False), ("seats released", False)]
)
def test_the_order_page_offers_to_pay_online_only_what_is_still_to_pay(
    signed_in, organisation, session, state, offered
):
    document = online_document(organisation, session, state)

    soup = page(signed_in.get(url("order", organisation, document.order.reference)))

    links = soup.select(f"a[href='{HOSTED}']")
    assert [text(link) for link in links] == ([f"Pay {document.number} online (bank details)"] if offered else [])


# --- PDFs ---------------------------------------------------------------------------------------


def test_invoice_pdf_of_an_order_of_the_organisation(signed_in, organisation, session):
    invoice = make_invoice(CompanyOrderFactory(organisation=organisation, session=session))
    response = signed_in.get(url("invoice_pdf", organisation, invoice.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_invoice_of_another_organisations_order_is_not_found(signed_in, organisation, session):
    invoice = make_invoice(CompanyOrderFactory(organisation=OrganisationFactory(), session=session))
    assert signed_in.get(url("invoice_pdf", organisation, invoice.pk)).status_code == 404


def test_the_managers_own_individual_invoice_is_not_reachable_through_the_organisation(
    signed_in, manager, organisation, session
):
    invoice = make_invoice(OrderFactory(session=session, buyer=manager, status=OrderStatus.ACTIVE))
    assert signed_in.get(url("invoice_pdf", organisation, invoice.pk)).status_code == 404


def test_certificate_of_an_employee_who_completed(signed_in, organisation, session):
    seat = completed_seat(CompanyOrderFactory(organisation=organisation, session=session))
    response = signed_in.get(url("certificate_pdf", organisation, seat.enrolment.public_id))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_certificat_de_realisation_of_an_employee_who_completed(signed_in, organisation, session):
    seat = completed_seat(CompanyOrderFactory(organisation=organisation, session=session))
    response = signed_in.get(url("realisation_pdf", organisation, seat.enrolment.public_id))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    overview = signed_in.get(url("overview", organisation)).content.decode()
    assert url("realisation_pdf", organisation, seat.enrolment.public_id) in overview


def test_certificat_de_realisation_of_another_organisation_or_not_completed_is_not_found(
    signed_in, organisation, session
):
    other = completed_seat(CompanyOrderFactory(organisation=OrganisationFactory(), session=session))
    ongoing = claimed_seat(CompanyOrderFactory(organisation=organisation, session=session))
    assert signed_in.get(url("realisation_pdf", organisation, other.enrolment.public_id)).status_code == 404
    assert signed_in.get(url("realisation_pdf", organisation, ongoing.enrolment.public_id)).status_code == 404


def test_certificate_of_an_employee_who_has_not_completed_is_not_found(signed_in, organisation, session):
    seat = claimed_seat(CompanyOrderFactory(organisation=organisation, session=session))
    assert signed_in.get(url("certificate_pdf", organisation, seat.enrolment.public_id)).status_code == 404


def test_certificate_of_an_employee_of_another_organisation_is_not_found(signed_in, organisation, session):
    seat = completed_seat(CompanyOrderFactory(organisation=OrganisationFactory(), session=session))
    assert signed_in.get(url("certificate_pdf", organisation, seat.enrolment.public_id)).status_code == 404


def test_certificate_of_an_individual_learner_is_not_found(signed_in, organisation, session):
    enrolment = EnrolmentFactory(session=session, status="completed", completed_at=timezone.now())
    assert signed_in.get(url("certificate_pdf", organisation, enrolment.public_id)).status_code == 404


# --- the calendar address ------------------------------------------------------------------------


def test_regenerating_the_feed_kills_the_old_address(signed_in, organisation):
    old = reverse("learner_feeds:organisation", kwargs={"token": organisation.calendar_token})
    assert signed_in.get(old).status_code == 200

    response = signed_in.post(url("feed_regenerate", organisation), follow=True)
    organisation.refresh_from_db()
    new = reverse("learner_feeds:organisation", kwargs={"token": organisation.calendar_token})
    assert new != old
    assert signed_in.get(old).status_code == 404
    assert signed_in.get(new).status_code == 200
    soup = page(response)
    assert "has a new address" in text(soup.select_one(".messages"))
    assert soup.select_one("#feed-url")["value"].startswith(f"http://testserver{new}")


def test_regenerating_needs_a_post(signed_in, organisation):
    token = organisation.calendar_token
    assert signed_in.get(url("feed_regenerate", organisation)).status_code == 405
    organisation.refresh_from_db()
    assert organisation.calendar_token == token


# --- who may see it ----------------------------------------------------------------------------

VIEWS = [
    ("overview", "get", lambda org, objects: []),
    ("documents", "get", lambda org, objects: []),
    ("invoice_pdf", "get", lambda org, objects: [objects["invoice"].pk]),
    ("certificate_pdf", "get", lambda org, objects: [objects["seat"].enrolment.public_id]),
    ("feed_regenerate", "post", lambda org, objects: []),
]


@pytest.fixture
def objects(organisation, session):
    order = CompanyOrderFactory(organisation=organisation, session=session)
    return {"invoice": make_invoice(order), "seat": completed_seat(order)}


@pytest.mark.parametrize(("name", "method", "args"), VIEWS, ids=[v[0] for v in VIEWS])
def test_a_manager_of_another_organisation_gets_not_found(other_manager, organisation, objects, name, method, args):
    token = organisation.calendar_token
    response = getattr(other_manager, method)(url(name, organisation, *args(organisation, objects)))
    assert response.status_code == 404
    organisation.refresh_from_db()
    assert organisation.calendar_token == token


@pytest.mark.parametrize(("name", "method", "args"), VIEWS, ids=[v[0] for v in VIEWS])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, organisation, objects, name, method, args):
    response = getattr(client, method)(url(name, organisation, *args(organisation, objects)))
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")


def test_a_former_manager_gets_not_found(client, manager, organisation):
    organisation.memberships.update(status="revoked")
    client.force_login(manager)
    assert client.get(url("overview", organisation)).status_code == 404
