"""The person's GDPR pages: downloading their data and deleting their account."""

import json

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user
from django.urls import reverse
from django.utils import translation

from enrolments.factories import EnrolmentFactory, UserFactory
from enrolments.models import EnrolmentStatus, User

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide"


@pytest.fixture(autouse=True)
def quiet_notifications(monkeypatch):
    from enrolments import emails

    if not hasattr(emails, "notify"):
        monkeypatch.setattr(emails, "notify", lambda kind, object_id: None, raising=False)


def url(name: str) -> str:
    with translation.override("en"):
        return reverse(f"dashboard:{name}")


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


def test_export_is_a_json_file_of_my_data(signed_in, learner, session):
    enrolment = EnrolmentFactory(session=session, learner=learner)
    EnrolmentFactory(session=session, learner=UserFactory(email="someone@example.org"))

    response = signed_in.get(url("export"))

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="allys-formation-mes-donnees-')
    data = json.loads(response.content)
    assert data["profile"]["email"] == "camille@example.org"
    assert data["profile"]["street_address"] == "12 rue de la République"
    assert [e["session"] for e in data["enrolments"]] == [session.code]
    assert data["orders"][0]["amount_incl_tax"] == "900.00"
    assert {(a["document"]["kind"], a["document"]["version"]) for a in data["acceptances"]} == {
        ("terms_of_sale", "2026-11"),
        ("internal_rules", "2026-11"),
    }
    assert data["acceptances"][0]["accepted_at"].startswith(enrolment.accepted_at.date().isoformat())
    assert "someone@example.org" not in response.content.decode()


def test_deletion_is_refused_while_enrolled(signed_in, learner, session):
    EnrolmentFactory(session=session, learner=learner)
    page = BeautifulSoup(signed_in.get(url("delete_account")).content, "html.parser")
    assert session.code in page.select_one(".notice--warning").get_text()
    assert not page.select("input[name=password]")

    response = signed_in.post(url("delete_account"), {"password": PASSWORD})
    assert "Please withdraw or cancel this enrolment first" in response.content.decode()
    learner.refresh_from_db()
    assert learner.is_active and learner.anonymised_at is None


def test_wrong_password_deletes_nothing(signed_in, learner):
    response = signed_in.post(url("delete_account"), {"password": "not-mine"})
    assert response.status_code == 200
    assert "This is not your password." in response.content.decode()
    learner.refresh_from_db()
    assert learner.is_active


def test_deletion_logs_out_and_the_account_cannot_sign_in_again(signed_in, learner, session):
    EnrolmentFactory(session=session, learner=learner, status=EnrolmentStatus.WITHDRAWN)

    response = signed_in.post(url("delete_account"), {"password": PASSWORD})

    assert response.status_code == 302
    assert not get_user(signed_in).is_authenticated
    assert signed_in.get(url("home"))["Location"].startswith("/en/accounts/login/")
    assert not signed_in.login(username="camille@example.org", password=PASSWORD)
    login = signed_in.post("/en/accounts/login/", {"login": "camille@example.org", "password": PASSWORD})
    assert login.status_code == 200  # the form again, with an error
    assert not get_user(signed_in).is_authenticated
    user = User.objects.get(pk=learner.pk)
    assert user.email.startswith("deleted-") and user.anonymised_at is not None


def test_deleted_account_keeps_the_enrolment_for_statistics(signed_in, learner, session):
    enrolment = EnrolmentFactory(session=session, learner=learner, status=EnrolmentStatus.WITHDRAWN)
    signed_in.post(url("delete_account"), {"password": PASSWORD})
    enrolment.refresh_from_db()
    assert enrolment.learner_id == learner.pk
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
