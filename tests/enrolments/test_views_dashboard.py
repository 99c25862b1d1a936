"""The learner's space as the learner sees it: enrolments, schedule, payments, withdrawal, cancellation."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import formats, timezone, translation

from courses.factories import SessionFactory, make_slots
from courses.models import Session
from enrolments.factories import EnrolmentFactory, InstalmentFactory, OrderFactory, UserFactory
from enrolments.models import (
    Attendance,
    AttendanceStatus,
    EnrolmentStatus,
    Invoice,
    InvoiceKind,
    OrderStatus,
    WaitlistEntry,
    WaitlistStatus,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_notifications(monkeypatch):
    # The notifications helper's module may not be there yet; emails are not what these tests check.
    from enrolments import emails

    if not hasattr(emails, "notify"):
        monkeypatch.setattr(emails, "notify", lambda kind, object_id: None, raising=False)


def url(name: str, *args) -> str:
    """The English URL, so assertions on text do not depend on the French translations."""
    with translation.override("en"):
        return reverse(f"dashboard:{name}", args=args)


def page(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def text(soup) -> str:
    # Collapse layout whitespace only: amounts keep their non-breaking space ("135\xa0€").
    return re.sub(r"[ \t\r\n]+", " ", soup.get_text(" ")).strip()


def make_invoice(order, number: str, kind=InvoiceKind.INVOICE, total=Decimal("270.00")) -> Invoice:
    year, sequence = number.split("-")
    return Invoice.objects.create(
        kind=kind,
        number=number,
        year=int(year),
        sequence=int(sequence),
        order=order,
        issued_at=timezone.now(),
        seller={"name": "ALLyS"},
        buyer={"name": f"{order.buyer.first_name} {order.buyer.last_name}", "address": "12 rue de la République"},
        lines=[],
        total_excl_tax=total,
        total_vat=Decimal("0"),
        total_incl_tax=total,
    )


@pytest.fixture
def enrolment(session, learner):
    """Confirmed today: the withdrawal period runs for 10 more days."""
    return EnrolmentFactory(session=session, learner=learner)


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


def test_lists_enrolment_with_status_course_and_next_date(signed_in, enrolment, session):
    soup = page(signed_in.get(url("home")))
    card = soup.select_one(f"#enrolment-{enrolment.public_id}")
    first_day = session.slots.order_by("date").first().date
    with translation.override("en"):
        expected_day = formats.date_format(first_day, "l j F Y")
    assert "Apprentissage frugal" in text(card)
    assert session.code in text(card)
    assert card.select_one(".badge").get_text(strip=True) == "Confirmed"
    assert expected_day in card.select_one(".enrolment-card__next").get_text()
    assert (
        card.select_one(".enrolment-card__actions a[href*='.ics']")["href"]
        == f"/calendar/sessions/{session.code}.ics?lang=en"
    )


def test_shows_the_payment_schedule_and_a_failed_instalment_with_its_pay_button(signed_in, enrolment):
    InstalmentFactory(order=enrolment.order, number=1, amount=Decimal("270.00"), status="paid", paid_at=timezone.now())
    failed = InstalmentFactory(order=enrolment.order, number=2, amount=Decimal("630.00"), status="failed")
    soup = page(signed_in.get(url("home")))
    rows = soup.select(f"#enrolment-{enrolment.public_id} .schedule tbody tr")
    assert [r.select("td")[1].get_text(strip=True) for r in rows] == ["270\xa0€", "630\xa0€"]
    assert "Paid on" in rows[0].get_text()
    assert "schedule__row--failed" in rows[1]["class"]
    pay_links = [a["href"] for a in soup.select("a") if "Update my card and pay" in a.get_text()]
    assert pay_links and set(pay_links) == {url("instalment_pay", failed.pk)}
    assert "A payment did not go through" in text(soup)


def test_moodle_link_appears_once_the_course_exists(signed_in, enrolment):
    soup = page(signed_in.get(url("home")))
    assert not soup.select("a[href^='https://moodle']")
    enrolment.lms_course_url = "https://moodle.example.org/course/view.php?id=42"
    enrolment.save()
    soup = page(signed_in.get(url("home")))
    assert soup.select_one("a[href='https://moodle.example.org/course/view.php?id=42']")


def test_empty_dashboard_points_to_the_catalogue(signed_in, catalogue_page):
    soup = page(signed_in.get(url("home")))
    assert "You are not enrolled in any course yet" in text(soup)
    assert soup.select_one(".dashboard-empty a.button")["href"].endswith("/formations/")


def test_withdraw_asks_for_confirmation_then_frees_the_place(signed_in, enrolment, session):
    Session.objects.filter(pk=session.pk).update(places_taken=1)
    soup = page(signed_in.get(url("withdraw", enrolment.public_id)))
    assert "withdrawing is free" in text(soup)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CONFIRMED  # the GET changed nothing

    response = signed_in.post(url("withdraw", enrolment.public_id))
    assert response.status_code == 302
    enrolment.refresh_from_db()
    session.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert session.places_taken == 0
    soup = page(signed_in.get(response["Location"]))
    assert "You have withdrawn" in text(soup)
    assert soup.select_one(f"#enrolment-{enrolment.public_id} .badge").get_text(strip=True) == "Withdrawn"


def test_withdraw_button_only_during_the_period(signed_in, enrolment):
    soup = page(signed_in.get(url("home")))
    assert soup.select_one(f"a[href='{url('withdraw', enrolment.public_id)}']")
    assert not soup.select_one(f"a[href='{url('cancel', enrolment.public_id)}']")

    enrolment.withdrawal_ends_at = timezone.now() - dt.timedelta(days=1)
    enrolment.save()
    soup = page(signed_in.get(url("home")))
    assert not soup.select_one(f"a[href='{url('withdraw', enrolment.public_id)}']")
    assert soup.select_one(f"a[href='{url('cancel', enrolment.public_id)}']")


@pytest.fixture
def soon_enrolment(course, learner):
    """Confirmed 11 days ago in a session starting in 10 days, with 270 € paid and 630 € to come."""
    session = SessionFactory(course=course, start=timezone.localdate() + dt.timedelta(days=10))
    Session.objects.filter(pk=session.pk).update(places_taken=1)
    enrolment = EnrolmentFactory(
        session=session,
        learner=learner,
        confirmed_at=timezone.now() - dt.timedelta(days=11),
        withdrawal_ends_at=timezone.now() - dt.timedelta(days=1),
    )
    InstalmentFactory(order=enrolment.order, number=1, amount=Decimal("270.00"), status="paid", paid_at=timezone.now())
    InstalmentFactory(order=enrolment.order, number=2, amount=Decimal("630.00"))
    return enrolment


def test_cancel_shows_the_refund_of_the_cancellation_terms_before_confirming(signed_in, soon_enrolment):
    # 10 days before the start: the terms refund 50 % of what was paid.
    soup = page(signed_in.get(url("cancel", soon_enrolment.public_id)))
    assert soup.select_one(".refund-preview__amount").get_text(strip=True) == "135\xa0€"
    assert "630\xa0€" in text(soup.select_one(".callout"))  # not charged
    soon_enrolment.refresh_from_db()
    assert soon_enrolment.status == EnrolmentStatus.CONFIRMED

    response = signed_in.post(url("cancel", soon_enrolment.public_id))
    soon_enrolment.refresh_from_db()
    assert soon_enrolment.status == EnrolmentStatus.CANCELLED
    assert soon_enrolment.session.places_taken == 0
    assert "135\xa0€ will be refunded" in text(page(signed_in.get(response["Location"])))


def test_withdraw_page_after_the_period_leads_to_cancel(signed_in, soon_enrolment):
    response = signed_in.post(url("withdraw", soon_enrolment.public_id))
    assert response["Location"] == url("cancel", soon_enrolment.public_id)
    soon_enrolment.refresh_from_db()
    assert soon_enrolment.status == EnrolmentStatus.CONFIRMED


def test_waitlist_entry_can_be_left(signed_in, learner, course):
    full = SessionFactory(course=course, capacity=1)
    entry = WaitlistEntry.objects.create(session=full, person=learner)
    soup = page(signed_in.get(url("home")))
    assert full.code in text(soup.select_one("#waitlist-title").parent)
    signed_in.post(url("leave_waitlist", entry.public_id))
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.LEFT
    assert not page(signed_in.get(url("home"))).select_one("#waitlist-title")


def test_pending_hold_offers_to_continue_to_payment(signed_in, learner, session):
    hold = EnrolmentFactory(
        session=session,
        learner=learner,
        status=EnrolmentStatus.HELD,
        hold_expires_at=timezone.now() + dt.timedelta(minutes=20),
        confirmed_at=None,
        withdrawal_ends_at=None,
    )
    hold.order.status = OrderStatus.PENDING
    hold.order.checkout_url = "https://checkout.example.org/c/cs_1"
    hold.order.save()
    soup = page(signed_in.get(url("home")))
    link = soup.select_one("#holds-title").parent.select_one("a.button")
    assert link["href"] == "https://checkout.example.org/c/cs_1"
    assert "Continue to payment" in link.get_text()


def test_documents_list_contract_and_invoices(signed_in, enrolment):
    invoice = make_invoice(enrolment.order, "2026-00007")
    soup = page(signed_in.get(url("documents")))
    hrefs = {a["href"] for a in soup.select("a")}
    assert url("contract", enrolment.public_id) in hrefs
    assert url("invoice", invoice.pk) in hrefs
    assert "2026-00007" in text(soup)


def test_contract_and_invoice_are_pdfs_for_their_owner(signed_in, enrolment, monkeypatch):
    monkeypatch.setattr("enrolments.documents.pdf.contract_pdf", lambda e: b"%PDF-contract " + e.session.code.encode())
    monkeypatch.setattr("enrolments.documents.pdf.invoice_pdf", lambda i: b"%PDF-invoice " + i.number.encode())
    invoice = make_invoice(enrolment.order, "2026-00008")

    response = signed_in.get(url("contract", enrolment.public_id))
    assert response["Content-Type"] == "application/pdf"
    assert response.content == b"%PDF-contract " + enrolment.session.code.encode()
    response = signed_in.get(url("invoice", invoice.pk))
    assert response.content == b"%PDF-invoice 2026-00008"
    assert "private" in response["Cache-Control"]


def test_another_users_things_are_not_found(signed_in, session, monkeypatch):
    monkeypatch.setattr("enrolments.documents.pdf.contract_pdf", lambda e: b"%PDF")
    monkeypatch.setattr("enrolments.documents.pdf.invoice_pdf", lambda i: b"%PDF")
    other = EnrolmentFactory(session=session, learner=UserFactory())
    instalment = InstalmentFactory(order=other.order, number=1, status="failed")
    invoice = make_invoice(other.order, "2026-00009")
    entry = WaitlistEntry.objects.create(session=session, person=other.learner)

    for target in [
        url("withdraw", other.public_id),
        url("cancel", other.public_id),
        url("contract", other.public_id),
        url("invoice", invoice.pk),
        url("instalment_pay", instalment.pk),
    ]:
        assert signed_in.get(target).status_code == 404, target
    assert signed_in.post(url("withdraw", other.public_id)).status_code == 404
    assert signed_in.post(url("leave_waitlist", entry.public_id)).status_code == 404
    other.refresh_from_db()
    entry.refresh_from_db()
    assert other.status == EnrolmentStatus.CONFIRMED
    assert entry.status == WaitlistStatus.WAITING
    assert other.session.code not in text(page(signed_in.get(url("home"))))


@pytest.mark.parametrize("name", ["home", "documents", "export", "delete_account"])
def test_anonymous_people_are_sent_to_sign_in(client, name):
    response = client.get(url(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")


def test_failed_instalment_pay_page_starts_a_checkout(signed_in, enrolment, monkeypatch):
    failed = InstalmentFactory(order=enrolment.order, number=1, amount=Decimal("270.00"), status="failed")
    calls = []

    def fake_checkout(*, instalment, success_url, cancel_url, language=None):
        calls.append((instalment.pk, success_url, cancel_url))
        return "https://checkout.example.org/pay/1"

    monkeypatch.setattr("enrolments.services.fulfilment.start_instalment_checkout", fake_checkout)
    soup = page(signed_in.get(url("instalment_pay", failed.pk)))
    assert "270\xa0€" in text(soup.select_one(".dashboard-confirm form button"))

    response = signed_in.post(url("instalment_pay", failed.pk))
    assert response.status_code == 302
    assert response["Location"] == "https://checkout.example.org/pay/1"
    ((pk, success_url, cancel_url),) = calls
    assert pk == failed.pk
    assert success_url.startswith("http://testserver" + url("instalment_return", failed.pk) + "?checkout_id=")
    assert cancel_url == "http://testserver" + url("instalment_pay", failed.pk)


def test_pay_page_of_a_paid_instalment_goes_back_home(signed_in, enrolment):
    paid = InstalmentFactory(order=enrolment.order, number=1, status="paid", paid_at=timezone.now())
    response = signed_in.get(url("instalment_pay", paid.pk))
    assert response["Location"] == url("home")


def test_query_count_does_not_grow_with_enrolments(client, course, catalogue_page, django_assert_max_num_queries):
    def learner_with(count: int):
        learner = UserFactory()
        for index in range(count):
            session = SessionFactory(course=course)
            enrolment = EnrolmentFactory(session=session, learner=learner)
            Attendance.objects.create(enrolment=enrolment, slot=session.slots.first(), status=AttendanceStatus.PRESENT)
            InstalmentFactory(order=enrolment.order, number=1, status="paid", paid_at=timezone.now())
            InstalmentFactory(order=enrolment.order, number=2, status="failed")
            make_invoice(enrolment.order, f"2026-{index + 1 + count * 10:05d}")
            WaitlistEntry.objects.create(session=SessionFactory(course=course), person=learner)
        return learner

    client.force_login(learner_with(1))
    page(client.get(url("home")))  # warm the site root paths cache
    with django_assert_max_num_queries(50) as one:
        page(client.get(url("home")))
    count_for_one = len(one)  # read now: the next request clears the connection's query log
    client.force_login(learner_with(5))
    page(client.get(url("home")))
    with django_assert_max_num_queries(count_for_one):
        soup = page(client.get(url("home")))
    assert len(soup.select(".enrolment-card article")) == 5
    assert [dd.get_text(strip=True) for dd in soup.select(".enrolment-card__attendance")] == ["8 h of 16 h"] * 5


def test_a_seat_bought_by_someone_else_shows_no_payments_to_the_learner(signed_in, learner, session):
    manager = UserFactory()
    order = OrderFactory(session=session, buyer=manager, funding="employer", status=OrderStatus.ACTIVE)
    enrolment = EnrolmentFactory(session=session, learner=learner, order=order)
    instalment = InstalmentFactory(order=order, number=1, status="failed")
    make_invoice(order, "2026-00010")

    soup = page(signed_in.get(url("home")))
    card = soup.select_one(f"#enrolment-{enrolment.public_id}")
    assert card is not None
    assert not card.select(".schedule")
    assert "2026-00010" not in text(soup)
    assert signed_in.get(url("instalment_pay", instalment.pk)).status_code == 404


def test_paying_a_failed_instalment_with_the_dummy_provider(signed_in, enrolment):
    failed = InstalmentFactory(order=enrolment.order, number=1, amount=Decimal("270.00"), status="failed")

    checkout = signed_in.post(url("instalment_pay", failed.pk))["Location"]
    back = signed_in.post(checkout.removeprefix("http://testserver"), {"outcome": "succeed"})["Location"]
    assert back.startswith("http://testserver" + url("instalment_return", failed.pk) + "?checkout_id=")
    home = signed_in.get(back.removeprefix("http://testserver"), follow=True)

    failed.refresh_from_db()
    assert failed.status == "paid"
    assert "your payment of 270\xa0€ is received" in text(page(home))
    assert not page(signed_in.get(url("home"))).select(".schedule__row--failed")


# --- attendance ---------------------------------------------------------------------------------


@pytest.fixture
def attended(course, learner):
    """Completed a session of two past days of 9:00–16:00 (7 hours each)."""
    start = timezone.localdate() - dt.timedelta(days=10)
    session = SessionFactory(course=course, start=start, slots=make_slots(start, 2, end_time=dt.time(16, 0)))
    return EnrolmentFactory(
        session=session, learner=learner, status=EnrolmentStatus.COMPLETED, completed_at=timezone.now()
    )


def test_an_enrolment_shows_the_hours_the_register_marks_present(signed_in, attended):
    first, second = attended.session.slots.order_by("date")
    Attendance.objects.create(enrolment=attended, slot=first, status=AttendanceStatus.PRESENT)
    Attendance.objects.create(enrolment=attended, slot=second, status=AttendanceStatus.EXCUSED)

    with translation.override("en"):
        soup = page(signed_in.get(url("home")))
    card = soup.select_one(f"#enrolment-{attended.public_id}")
    assert card.select_one(".enrolment-card__attendance").get_text(strip=True) == "7 h of 14 h"
    assert "Attendance" in [dt_.get_text(strip=True) for dt_ in card.select("dt")]


def test_without_a_register_an_enrolment_shows_no_attendance(signed_in, attended):
    with translation.override("en"):
        soup = page(signed_in.get(url("home")))
    card = soup.select_one(f"#enrolment-{attended.public_id}")
    assert card is not None
    assert card.select(".enrolment-card__attendance") == []
    assert "Attendance" not in [dt_.get_text(strip=True) for dt_ in card.select("dt")]


def test_someone_elses_register_does_not_show_on_my_enrolment(signed_in, attended):
    other = EnrolmentFactory(session=attended.session, learner=UserFactory(), status=EnrolmentStatus.COMPLETED)
    for slot in attended.session.slots.all():
        Attendance.objects.create(enrolment=other, slot=slot, status=AttendanceStatus.PRESENT)

    with translation.override("en"):
        soup = page(signed_in.get(url("home")))
    assert soup.select(".enrolment-card__attendance") == []
