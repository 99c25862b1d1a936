"""The dummy backend's fake checkout page, through the test client."""

import datetime as dt
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from enrolments.factories import UserFactory
from enrolments.models import EnrolmentStatus, Funding, Instalment, InstalmentStatus
from enrolments.services.charging import charge_due_instalments
from enrolments.services.enrolment import enrolment_start
from enrolments.services.fulfilment import start_card_checkout, start_instalment_checkout

SUCCESS = "http://testserver/inscription/ok/?checkout={CHECKOUT_SESSION_ID}"
CANCEL = "http://testserver/inscription/annulee/"


@pytest.fixture(autouse=True)
def dummy_backend(settings):
    settings.PAYMENT_BACKEND = "dummy"


@pytest.fixture
def held(session, learner, legal_texts):
    return enrolment_start(
        session=session,
        learner=learner,
        funding=Funding.SELF,
        terms=legal_texts["terms"],
        internal_rules=legal_texts["rules"],
    )


@pytest.fixture
def page(client, learner, held):
    """The learner, logged in, on the fake checkout page of their held enrolment (French)."""
    client.force_login(learner)
    return start_card_checkout(enrolment=held, success_url=SUCCESS, cancel_url=CANCEL, language="fr")


def buttons(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return {b["value"]: b.get_text(strip=True) for b in soup.select("button[name=outcome]")}


def test_the_page_shows_the_purchase_and_three_choices(client, page, held):
    response = client.get(page)

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.html["lang"] == "fr"
    assert "Enregistrer votre carte" in soup.h1.get_text()
    assert held.session.code in soup.get_text()
    assert set(buttons(response)) == {"succeed", "succeed_declines_later", "fail"}
    assert soup.find("a", href=CANCEL)


def test_the_page_is_in_the_language_of_the_checkout(client, learner, held):
    client.force_login(learner)
    url = start_card_checkout(enrolment=held, success_url=SUCCESS, cancel_url=CANCEL, language="en")

    soup = BeautifulSoup(client.get(url).content, "html.parser")

    assert soup.html["lang"] == "en"
    assert "Save your card" in soup.h1.get_text()


def test_succeed_confirms_the_enrolment_and_returns_to_the_site(client, page, held):
    response = client.post(page, {"outcome": "succeed"})

    held.refresh_from_db()
    held.order.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == SUCCESS.replace("{CHECKOUT_SESSION_ID}", held.order.checkout_id)
    assert held.status == EnrolmentStatus.CONFIRMED
    assert held.order.payment_method_id.startswith("pm_dummy_")
    assert held.order.instalments.exists()


def test_a_declined_card_shows_an_error_and_lets_the_learner_retry(client, page, held):
    response = client.post(page, {"outcome": "fail"})

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    # French, the language the checkout was opened in.
    assert "Votre carte a été refusée" in soup.find(role="alert").get_text()
    assert len(buttons(response)) == 3
    assert soup.find("a", href=CANCEL)
    held.refresh_from_db()
    assert held.status == EnrolmentStatus.HELD
    assert held.order.payment_method_id == ""

    retry = client.post(page, {"outcome": "succeed"})

    assert retry.status_code == 302
    held.refresh_from_db()
    assert held.status == EnrolmentStatus.CONFIRMED


def test_a_card_that_declines_later_fails_the_first_instalment(client, page, held, monkeypatch):
    from enrolments import emails

    monkeypatch.setattr(emails, "notify", lambda kind, object_id: None)
    client.post(page, {"outcome": "succeed_declines_later"})
    held.refresh_from_db()
    assert held.status == EnrolmentStatus.CONFIRMED
    assert held.order.payment_method_id == "pm_dummy_declines"

    after_withdrawal = held.withdrawal_ends_at + dt.timedelta(days=2)
    charge_due_instalments(now=after_withdrawal)

    first = held.order.instalments.order_by("number").first()
    assert first.status == InstalmentStatus.FAILED


def test_posting_twice_redirects_without_confirming_twice(client, page, held):
    client.post(page, {"outcome": "succeed"})
    count = held.order.instalments.count()

    again = client.post(page, {"outcome": "succeed"})

    assert again.status_code == 302
    assert held.order.instalments.count() == count


def test_no_choice_is_refused_with_a_message(client, page):
    response = client.post(page, {"outcome": "steal"})

    assert response.status_code == 400
    assert BeautifulSoup(response.content, "html.parser").find(role="alert")


def test_an_expired_checkout_offers_no_payment(client, page, held):
    from enrolments.models import DummyCheckout

    row = DummyCheckout.objects.get(object_id=page.rstrip("/").rsplit("/", 1)[-1])
    row.data["expires_at"] = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    row.save()

    response = client.post(page, {"outcome": "succeed"})

    assert response.status_code == 200
    assert buttons(response) == {}
    held.refresh_from_db()
    assert held.status == EnrolmentStatus.HELD


def test_another_person_cannot_see_the_page(client, page):
    client.force_login(UserFactory())

    assert client.get(page).status_code == 404


def test_visitors_must_log_in(client, held):
    url = start_card_checkout(enrolment=held, success_url=SUCCESS, cancel_url=CANCEL)

    response = client.get(url)

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_page_does_not_exist_with_stripe(client, page, settings):
    settings.PAYMENT_BACKEND = "stripe"

    assert client.get(page).status_code == 404


def test_an_unknown_checkout_is_not_found(client, learner):
    client.force_login(learner)

    response = client.get(reverse("payments:dummy_checkout", args=["cs_dummy_nope"]))

    assert response.status_code == 404


def test_paying_a_failed_instalment_now_saves_the_new_card(client, page, held):
    client.post(page, {"outcome": "succeed_declines_later"})
    instalment = held.order.instalments.order_by("number").first()
    Instalment.objects.filter(pk=instalment.pk).update(status=InstalmentStatus.FAILED, attempts=1)
    url = start_instalment_checkout(instalment=instalment, success_url=SUCCESS, cancel_url=CANCEL, language="fr")

    shown = client.get(url)
    response = client.post(url, {"outcome": "succeed"})

    assert f"{instalment.amount:.2f}".replace(".", ",") in shown.content.decode()
    assert response.status_code == 302
    instalment.refresh_from_db()
    assert instalment.status == InstalmentStatus.PAID
    assert instalment.amount > Decimal(0)
    held.order.refresh_from_db()
    assert held.order.payment_method_id not in ("", "pm_dummy_declines")
