"""The seats page of a company order, as its managers use it: who holds what, assigning, codes."""

import csv
import datetime as dt
import io
import re

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from courses.factories import SessionFactory
from enrolments.factories import CompanyOrderFactory, OrganisationFactory, UserFactory
from enrolments.models import EnrolmentStatus, OrderStatus, Seat, SeatStatus
from enrolments.services.seats import create_seat_pool, seat_assign, seat_claim

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    """The English URL, so assertions on text do not depend on the French translations."""
    with translation.override("en"):
        return reverse(f"organisations:{name}", args=args)


def page(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def text(soup) -> str:
    return re.sub(r"\s+", " ", soup.get_text(" ")).strip()


@pytest.fixture
def manager(db):
    return UserFactory(email="rh@entreprise.example", language="en")


@pytest.fixture
def organisation(manager):
    return OrganisationFactory(name="Acme Lyon", manager=manager)


@pytest.fixture
def order(session, organisation, manager):
    order = CompanyOrderFactory(session=session, organisation=organisation, buyer=manager, quantity=3)
    create_seat_pool(order=order)
    return order


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def posting(signed_in, django_capture_on_commit_callbacks):
    """POST as the manager and send the emails queued on commit."""

    def post(path, data=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return signed_in.post(path, data or {}, **kwargs)

    return post


def seats_url(order) -> str:
    return url("seats", order.organisation.public_id, order.reference)


def first_free(order) -> Seat:
    return order.seats.filter(status=SeatStatus.FREE).order_by("pk").first()


def test_the_page_counts_the_seats_and_free_ones_stand_out(signed_in, order, manager, learner, legal_texts):
    claimed = seat_assign(seat=first_free(order), email=learner.email, by=manager)
    seat_claim(token=claimed.token, user=learner)
    seat_assign(seat=first_free(order), email="lea@example.org", by=manager)

    soup = page(signed_in.get(seats_url(order)))

    assert "3 seats: 1 claimed, 1 assigned, 1 free" in text(soup.select_one(".seat-summary"))
    assert "1 seat is not yet assigned" in text(soup.select_one(".seat-summary"))
    free_row = soup.select_one(".seat-row--free")
    assert "Free — not yet assigned" in text(free_row)
    claimed_row = soup.select_one(f"#seat-{claimed.public_id}")
    assert "Camille" in text(claimed_row) and learner.email in text(claimed_row)
    assert "Confirmed" in text(claimed_row)
    assert "Invited on" in text(soup.select_one(".seat-row--assigned"))


def test_completion_is_shown(signed_in, order, manager, learner, legal_texts):
    seat = seat_assign(seat=first_free(order), email=learner.email, by=manager)
    enrolment = seat_claim(token=seat.token, user=learner)
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_at = dt.datetime(2027, 3, 5, 17, tzinfo=dt.UTC)
    enrolment.save()

    soup = page(signed_in.get(seats_url(order)))
    assert "Completed on 5 March 2027" in text(soup.select_one(f"#seat-{seat.public_id}"))


def test_assigning_one_email_invites_them(posting, signed_in, order):
    response = posting(seats_url(order), {"action": "assign", "email": "lea@example.org"})

    assert response.status_code == 302
    seat = order.seats.get(email="lea@example.org")
    assert seat.status == SeatStatus.ASSIGNED
    [message] = mail.outbox
    assert message.to == ["lea@example.org"]
    assert f"/entreprises/places/{seat.token}/" in message.body
    assert "lea@example.org is invited" in text(page(signed_in.get(response["Location"])))


def test_a_wrong_email_is_explained_and_kept(signed_in, order):
    soup = page(signed_in.post(seats_url(order), {"action": "assign", "email": "lea.example.org"}))

    assert "Please enter a valid email address" in text(soup)
    assert soup.select_one("#id_assign_email")["value"] == "lea.example.org"
    assert order.seats.filter(status=SeatStatus.FREE).count() == 3


def test_a_pasted_list_is_assigned(posting, order):
    response = posting(seats_url(order), {"action": "list", "emails": "a@example.org; b@example.org\nc@example.org"})

    assert response.status_code == 302
    assert sorted(order.seats.values_list("email", flat=True)) == ["a@example.org", "b@example.org", "c@example.org"]
    assert len(mail.outbox) == 3


def test_an_excel_csv_is_assigned(posting, order):
    content = "\ufeffNom;Prénom;Adresse e-mail\r\nMartin;Camille;camille@example.org\r\nDurand;Léa;lea@example.org\r\n"
    upload = SimpleUploadedFile("salaries.csv", content.encode("utf-8"), content_type="text/csv")

    response = posting(seats_url(order), {"action": "list", "emails": "", "file": upload})

    assert response.status_code == 302
    assert sorted(order.seats.exclude(email="").values_list("email", flat=True)) == [
        "camille@example.org",
        "lea@example.org",
    ]


def test_too_many_emails_assign_nothing_and_keep_the_list(posting, order):
    typed = "a@example.org\nb@example.org\nc@example.org\nd@example.org"
    soup = page(posting(seats_url(order), {"action": "list", "emails": typed}))

    assert "4 people to invite, but only 3 free seats: nothing was assigned." in text(soup)
    assert soup.select_one("#id_list_emails").get_text().strip() == typed
    assert order.seats.filter(status=SeatStatus.FREE).count() == 3
    assert mail.outbox == []


def test_invalid_lines_are_reported_and_the_rest_assigned(posting, order):
    soup = page(posting(seats_url(order), {"action": "list", "emails": "a@example.org\nnot an email\nb@example.org"}))

    report = text(soup.select_one("[aria-labelledby=report-title]"))
    assert "2 people invited" in report
    assert "Line 2: “not an email” is not a valid email address." in report
    assert order.seats.filter(status=SeatStatus.ASSIGNED).count() == 2


def test_an_empty_list_is_refused(signed_in, order):
    soup = page(signed_in.post(seats_url(order), {"action": "list", "emails": "  "}))
    assert "Paste a list of emails or choose a file." in text(soup)


def test_reassigning_unenrols_the_holder_and_invites_the_new_person(posting, order, manager, learner, legal_texts):
    seat = seat_assign(seat=first_free(order), email=learner.email, by=manager)
    enrolment = seat_claim(token=seat.token, user=learner)
    old_link = url("claim", seat.token)

    response = posting(url("seat_reassign", order.organisation.public_id, seat.public_id), {"email": "lea@example.org"})

    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED
    seat.refresh_from_db()
    assert (seat.status, seat.email) == (SeatStatus.ASSIGNED, "lea@example.org")
    assert {m.to[0] for m in mail.outbox} == {learner.email, "lea@example.org"}
    assert posting(old_link).status_code == 404


def test_a_refused_reassignment_is_shown_on_the_seat(signed_in, order, manager):
    seat = seat_assign(seat=first_free(order), email="a@example.org", by=manager)
    seat_assign(seat=first_free(order), email="b@example.org", by=manager)

    soup = page(
        signed_in.post(url("seat_reassign", order.organisation.public_id, seat.public_id), {"email": "b@example.org"})
    )

    row = soup.select_one(f"#seat-{seat.public_id}")
    assert "already has a seat in this session" in text(row)
    assert row.select_one("details").has_attr("open")
    assert row.select_one("input[name=email]")["value"] == "b@example.org"


def test_revoking_frees_the_seat(posting, signed_in, order, manager):
    seat = seat_assign(seat=first_free(order), email="a@example.org", by=manager)

    response = posting(url("seat_revoke", order.organisation.public_id, seat.public_id))

    assert response.status_code == 302
    seat.refresh_from_db()
    assert (seat.status, seat.email) == (SeatStatus.FREE, "")
    assert "The seat is free again." in text(page(signed_in.get(response["Location"])))


def test_changes_are_posts(signed_in, order, manager):
    seat = seat_assign(seat=first_free(order), email="a@example.org", by=manager)
    org = order.organisation.public_id
    assert signed_in.get(url("seat_reassign", org, seat.public_id)).status_code == 405
    assert signed_in.get(url("seat_revoke", org, seat.public_id)).status_code == 405
    assert signed_in.get(url("seat_codes", org, order.reference)).status_code == 405


def test_codes_csv_lists_one_code_per_free_seat(signed_in, order, manager, session):
    seat_assign(seat=first_free(order), email="a@example.org", by=manager)

    response = signed_in.post(url("seat_codes", order.organisation.public_id, order.reference))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, *lines = rows
    assert header == ["code", "session", "course", "where to use it"]
    assert len(lines) == 2
    codes = {line[0] for line in lines}
    assert codes == set(order.seats.filter(status=SeatStatus.FREE).values_list("code", flat=True))
    for code, session_code, course, where in lines:
        assert session_code == session.code
        assert course == "Apprentissage frugal"
        assert where.startswith("http://testserver/en/entreprises/code/?")
        assert f"code={code}" in where


def test_assigned_seats_are_not_in_the_codes_and_a_code_stops_when_its_seat_is_assigned(signed_in, order, manager):
    org = order.organisation.public_id
    signed_in.post(url("seat_codes", org, order.reference))
    coded = first_free(order)
    old_code = coded.code

    seat_assign(seat=coded, email="a@example.org", by=manager)
    response = signed_in.post(url("seat_codes", org, order.reference))

    assert old_code not in response.content.decode()
    assert not Seat.objects.filter(code=old_code).exists()


@pytest.mark.parametrize("view", ["seats", "seat_codes", "seat_reassign", "seat_revoke"])
def test_another_organisations_manager_gets_404(client, order, manager, view):
    seat = seat_assign(seat=first_free(order), email="a@example.org", by=manager)
    stranger = UserFactory()
    other = OrganisationFactory(manager=stranger)
    client.force_login(stranger)
    args = (seat.public_id,) if view.startswith("seat_r") else (order.reference,)

    # Their own organisation's id in the URL, another's order or seat: not found either way.
    assert client.post(url(view, other.public_id, *args), {"email": "x@example.org"}).status_code == 404
    assert client.post(url(view, order.organisation.public_id, *args), {"email": "x@example.org"}).status_code == 404
    seat.refresh_from_db()
    assert (seat.status, seat.email, seat.code) == (SeatStatus.ASSIGNED, "a@example.org", None)


@pytest.mark.parametrize("view", ["seats", "seat_codes", "seat_reassign", "seat_revoke"])
def test_anonymous_visitors_are_sent_to_log_in(client, order, view):
    seat = first_free(order)
    args = (seat.public_id,) if view.startswith("seat_r") else (order.reference,)

    response = client.post(url(view, order.organisation.public_id, *args))

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")


def test_an_unpaid_order_has_no_seats_to_manage(signed_in, session, organisation, manager):
    pending = CompanyOrderFactory(session=session, organisation=organisation, status=OrderStatus.PENDING)
    seat = Seat.objects.create(order=pending, organisation=organisation, session=session)

    soup = page(signed_in.get(seats_url(pending)))
    assert "once the order is paid" in text(soup)
    assert soup.select_one("form[enctype]") is None
    org = organisation.public_id
    assert signed_in.post(url("seat_codes", org, pending.reference)).status_code == 404
    assert signed_in.post(url("seat_revoke", org, seat.public_id)).status_code == 404
    assert signed_in.post(url("seat_reassign", org, seat.public_id), {"email": "a@example.org"}).status_code == 404


def test_after_the_start_nothing_can_be_changed(signed_in, course, organisation, manager):
    started = SessionFactory(course=course, start=dt.date.today() - dt.timedelta(days=1), days=3)
    order = CompanyOrderFactory(session=started, organisation=organisation, buyer=manager)
    create_seat_pool(order=order)

    soup = page(signed_in.get(seats_url(order)))
    assert "The session has started" in text(soup)
    assert not soup.select("form[action*='/entreprises/']")
    soup = page(signed_in.post(seats_url(order), {"action": "assign", "email": "a@example.org"}, follow=True))
    assert "The session has started: its seats can no longer be assigned or changed." in text(soup)
    assert order.seats.filter(status=SeatStatus.FREE).count() == 3


def test_the_page_reads_in_constant_queries(signed_in, session, organisation, manager, legal_texts):
    def load(quantity: int) -> int:
        order = CompanyOrderFactory(session=session, organisation=organisation, buyer=manager, quantity=quantity)
        create_seat_pool(order=order)
        for seat in order.seats.all()[: quantity - 1]:
            employee = UserFactory()
            seat = seat_assign(seat=seat, email=employee.email, by=manager)
            seat_claim(token=seat.token, user=employee)
        with CaptureQueriesContext(connection) as captured:
            page(signed_in.get(seats_url(order)))
        return len(captured.captured_queries)

    load(1)  # the site and content types are cached after the first page
    assert load(2) == load(8) <= 13
