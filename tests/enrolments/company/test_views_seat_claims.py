"""Employees taking their seat: the invitation's claim link, the code form, and what their space shows."""

import re

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from enrolments.factories import CompanyOrderFactory, OrganisationFactory, UserFactory
from enrolments.models import Enrolment, EnrolmentStatus, Seat, SeatStatus
from enrolments.services.seats import create_seat_pool, seat_assign, seat_claim, seat_codes_issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def url(name: str, *args) -> str:
    """The English URL, so assertions on text do not depend on the French translations."""
    with translation.override("en"):
        return reverse(name, args=args)


def page(response, status: int = 200) -> BeautifulSoup:
    assert response.status_code == status
    return BeautifulSoup(response.content, "html.parser")


def text(soup) -> str:
    return re.sub(r"\s+", " ", soup.get_text(" ")).strip()


@pytest.fixture
def manager(db):
    return UserFactory(email="rh@entreprise.example", language="en")


@pytest.fixture
def order(session, manager):
    organisation = OrganisationFactory(name="Acme Lyon", manager=manager)
    order = CompanyOrderFactory(session=session, organisation=organisation, buyer=manager, quantity=2)
    create_seat_pool(order=order)
    return order


@pytest.fixture
def seat(order, manager, learner):
    free = order.seats.filter(status=SeatStatus.FREE).first()
    return seat_assign(seat=free, email=learner.email, by=manager)


def claim_url(seat) -> str:
    return url("organisations:claim", seat.token)


def test_a_visitor_sees_the_seat_and_can_sign_up_or_log_in_and_come_back(client, seat):
    soup = page(client.get(claim_url(seat)))

    assert "Acme Lyon booked you a place in Apprentissage frugal" in text(soup)
    next_param = f"next={claim_url(seat).replace('/', '%2F')}"
    signup = soup.find("a", string=re.compile("Create my account"))
    login = soup.find("a", string=re.compile("Log in"))
    assert signup["href"] == f"{url('account_signup')}?{next_param}"
    assert login["href"] == f"{url('account_login')}?{next_param}"
    assert soup.find("button", string=re.compile("Claim my place")) is None


def test_a_visitor_posting_is_sent_to_log_in(client, seat):
    response = client.post(claim_url(seat))
    assert response.status_code == 302
    assert response["Location"].startswith(url("account_login"))
    assert Seat.objects.get(pk=seat.pk).status == SeatStatus.ASSIGNED


def test_the_invited_person_confirms_with_the_internal_rules_and_is_enrolled(
    client, seat, learner, order, legal_texts, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    soup = page(client.get(claim_url(seat)))
    assert soup.select_one("a[href='#internal-rules']") is not None
    rules = legal_texts["rules"]
    section = soup.select_one("#internal-rules")
    assert f"Internal rules (version {rules.version})" in text(section)
    assert text(BeautifulSoup(rules.body("en"), "html.parser"))[:60] in text(section)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(claim_url(seat))

    assert response.status_code == 302
    assert response["Location"] == url("dashboard:home")
    enrolment = Enrolment.objects.get(learner=learner)
    assert (enrolment.status, enrolment.order) == (EnrolmentStatus.CONFIRMED, order)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([learner.email, "rh@entreprise.example"])
    home = page(client.get(response["Location"]))
    assert "Your place is confirmed" in text(home)


def test_the_dashboard_offers_no_withdrawal_or_cancellation_for_a_seat(client, seat, learner, legal_texts):
    enrolment = seat_claim(token=seat.token, user=learner)
    client.force_login(learner)

    soup = page(client.get(url("dashboard:home")))

    card = soup.select_one(f"#enrolment-{enrolment.public_id}")
    assert "Booked by Acme Lyon" in text(card)
    hrefs = [a["href"] for a in card.select("a[href]")]
    assert url("dashboard:withdraw", enrolment.public_id) not in hrefs
    assert url("dashboard:cancel", enrolment.public_id) not in hrefs
    assert url("dashboard:contract", enrolment.public_id) not in hrefs
    assert "withdraw free of charge" not in text(card)
    documents = page(client.get(url("dashboard:documents")))
    assert url("dashboard:contract", enrolment.public_id) not in [a["href"] for a in documents.select("a[href]")]


def test_another_account_cannot_claim(client, seat, legal_texts):
    stranger = UserFactory(email="stranger@example.org")
    client.force_login(stranger)

    soup = page(client.get(claim_url(seat)))
    assert "This place is for camille@example.org, and you are signed in as stranger@example.org" in text(soup)
    assert soup.find("button", string=re.compile("Claim my place")) is None

    soup = page(client.post(claim_url(seat)))
    assert "This seat is for camille@example.org" in text(soup)
    assert Seat.objects.get(pk=seat.pk).status == SeatStatus.ASSIGNED


def test_someone_already_enrolled_is_told_clearly(client, seat, learner, session, legal_texts):
    from enrolments.factories import EnrolmentFactory

    EnrolmentFactory(session=session, learner=learner)
    client.force_login(learner)

    soup = page(client.post(claim_url(seat)))

    assert "You are already enrolled in this session" in text(soup.select_one("[role=alert]"))
    assert Seat.objects.get(pk=seat.pk).status == SeatStatus.ASSIGNED


def test_an_unknown_link_gets_a_friendly_404(client):
    soup = page(client.get(url("organisations:claim", "not-a-token")), status=404)
    assert "This link is no longer valid" in text(soup)


def test_a_claimed_link_leads_its_holder_home_and_nobody_else_anywhere(client, seat, learner, legal_texts):
    seat_claim(token=seat.token, user=learner)

    assert page(client.get(claim_url(seat)), status=404)
    client.force_login(UserFactory())
    assert client.get(claim_url(seat)).status_code == 404
    client.force_login(learner)
    response = client.get(claim_url(seat))
    assert (response.status_code, response["Location"]) == (302, url("dashboard:home"))


# --- codes ------------------------------------------------------------------------------------------------


@pytest.fixture
def code(order, manager):
    return seat_codes_issue(order=order, by=manager)[0].code


def test_the_code_form_needs_an_account(client):
    response = client.get(url("organisations:redeem"))
    assert response.status_code == 302
    assert response["Location"].startswith(url("account_login"))


def test_the_code_link_prefills_the_form(client, learner, session, code):
    client.force_login(learner)
    soup = page(client.get(f"{url('organisations:redeem')}?session={session.code}&code={code}"))
    assert soup.select_one("input[name=code]")["value"] == code
    assert soup.select_one("input[name=session]")["value"] == session.code


def test_a_code_enrols_once(client, learner, session, order, code, legal_texts):
    client.force_login(learner)

    response = client.post(url("organisations:redeem"), {"code": code.lower(), "session": session.code})

    assert response.status_code == 302
    assert response["Location"] == url("dashboard:home")
    assert Enrolment.objects.get(learner=learner).order == order
    client.force_login(UserFactory())
    soup = page(client.post(url("organisations:redeem"), {"code": code}))
    assert "This code is not valid or has already been used." in text(soup)


def test_a_wrong_code_is_explained_and_kept(client, learner):
    client.force_login(learner)

    soup = page(client.post(url("organisations:redeem"), {"code": "ALLYS-ABCD-EFGH"}))

    assert "This code is not valid or has already been used." in text(soup)
    assert soup.select_one("input[name=code]")["value"] == "ALLYS-ABCD-EFGH"


def test_too_many_wrong_codes_block_for_a_while(client, learner, code, legal_texts):
    client.force_login(learner)
    for _attempt in range(10):
        client.post(url("organisations:redeem"), {"code": "ALLYS-2222-2222"})

    soup = page(client.post(url("organisations:redeem"), {"code": code}))

    assert "Too many wrong codes" in text(soup)
    assert not Enrolment.objects.filter(learner=learner).exists()


def test_the_dashboard_offers_a_seat_assigned_to_the_persons_verified_email(client, seat, learner, legal_texts):
    client.force_login(learner)

    soup = page(client.get(url("dashboard:home")))

    section = soup.select_one("[aria-labelledby=seats-title]")
    assert "Acme Lyon booked you a place" in text(section)
    assert section.select_one("a")["href"].endswith(f"/entreprises/places/{seat.token}/")


def test_the_dashboard_offers_no_seat_to_an_unverified_email_or_once_claimed(client, seat, learner, legal_texts):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=learner).update(verified=False)
    client.force_login(learner)
    assert page(client.get(url("dashboard:home"))).select_one("[aria-labelledby=seats-title]") is None

    EmailAddress.objects.filter(user=learner).update(verified=True)
    seat_claim(token=seat.token, user=learner)
    assert page(client.get(url("dashboard:home"))).select_one("[aria-labelledby=seats-title]") is None
