"""Deleting an account (anonymisation) and the copy of a person's data."""

import datetime as dt
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from courses.factories import SessionFactory
from courses.models import Session
from enrolments.factories import EnrolmentFactory, InstalmentFactory, UserFactory
from enrolments.models import (
    Enrolment,
    EnrolmentStatus,
    FundingRequest,
    Invoice,
    Order,
    OrderStatus,
    User,
    WaitlistEntry,
    WaitlistStatus,
)
from enrolments.services.accounts import AccountDeletionRefused, account_delete, personal_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_notifications(monkeypatch):
    from enrolments import emails

    if not hasattr(emails, "notify"):
        monkeypatch.setattr(emails, "notify", lambda kind, object_id: None, raising=False)


def past_session(course):
    return SessionFactory(course=course, start=timezone.localdate() - dt.timedelta(days=40))


def make_invoice(order) -> Invoice:
    buyer = {"name": f"{order.buyer.first_name} {order.buyer.last_name}", "address": order.buyer.postal_address}
    return Invoice.objects.create(
        number="2026-00001",
        year=2026,
        sequence=1,
        order=order,
        issued_at=timezone.now(),
        seller={"name": "ALLyS"},
        buyer=buyer,
        lines=[{"label": "Formation", "amount": "900.00"}],
        total_excl_tax=Decimal("900.00"),
        total_vat=Decimal("0"),
        total_incl_tax=Decimal("900.00"),
    )


@pytest.fixture
def finished(course, learner):
    """A completed course, fully paid and invoiced."""
    enrolment = EnrolmentFactory(
        session=past_session(course), learner=learner, status=EnrolmentStatus.COMPLETED, completed_at=timezone.now()
    )
    Order.objects.filter(pk=enrolment.order_id).update(status=OrderStatus.PAID)
    InstalmentFactory(order=enrolment.order, number=1, amount=Decimal("900.00"), status="paid", paid_at=timezone.now())
    make_invoice(enrolment.order)
    return enrolment


def test_refused_while_enrolled_in_a_future_session(learner, session):
    EnrolmentFactory(session=session, learner=learner)
    with pytest.raises(AccountDeletionRefused) as refused:
        account_delete(user=learner)
    assert session.code in str(refused.value.message)
    assert "rétracter ou annuler" in str(refused.value.message)
    learner.refresh_from_db()
    assert learner.is_active and learner.anonymised_at is None and learner.last_name == "Martin"


def test_refused_while_a_place_is_held(learner, session):
    EnrolmentFactory(
        session=session,
        learner=learner,
        status=EnrolmentStatus.HELD,
        hold_expires_at=timezone.now() + dt.timedelta(minutes=10),
        confirmed_at=None,
    )
    with pytest.raises(AccountDeletionRefused):
        account_delete(user=learner)


def test_refused_while_a_payment_is_owed(learner, finished):
    InstalmentFactory(order=finished.order, number=2, status="failed")
    with pytest.raises(AccountDeletionRefused) as refused:
        account_delete(user=learner)
    assert "paiement reste dû" in str(refused.value.message)


def test_anonymises_the_person_and_keeps_orders_invoices_and_enrolments(learner, finished):
    invoice = Invoice.objects.get(order=finished.order)
    frozen_buyer = dict(invoice.buyer)
    public_id = learner.public_id

    account_delete(user=learner)

    user = User.objects.get(pk=learner.pk)
    assert user.email == user.username == f"deleted-{public_id}@invalid"
    assert [user.first_name, user.last_name, user.street_address, user.postal_code, user.city, user.phone] == [""] * 6
    assert user.employer_name == ""
    assert not user.is_active
    assert not user.has_usable_password()
    assert user.anonymised_at is not None
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not EmailAddress.objects.filter(email="camille@example.org").exists()
    # Kept: the law requires the invoice as issued, and statistics count the enrolment.
    invoice.refresh_from_db()
    assert invoice.buyer == frozen_buyer and "Martin" in invoice.buyer["name"]
    assert Enrolment.objects.get(pk=finished.pk).status == EnrolmentStatus.COMPLETED
    assert Order.objects.filter(buyer=user).count() == 1


def test_allowed_after_withdrawing(learner, session):
    EnrolmentFactory(session=session, learner=learner, status=EnrolmentStatus.WITHDRAWN)
    account_delete(user=learner)
    learner.refresh_from_db()
    assert learner.anonymised_at is not None


def test_leaving_passes_an_offered_place_on(learner, course):
    full = SessionFactory(course=course, capacity=1)
    Session.objects.filter(pk=full.pk).update(places_taken=1)
    offered = WaitlistEntry.objects.create(
        session=full,
        person=learner,
        status=WaitlistStatus.OFFERED,
        offer_expires_at=timezone.now() + dt.timedelta(hours=5),
    )
    account_delete(user=learner)
    offered.refresh_from_db()
    full.refresh_from_db()
    assert offered.status == WaitlistStatus.LEFT
    assert full.places_taken == 0


def test_funding_request_message_is_erased(learner, session):
    request = FundingRequest.objects.create(
        session=session,
        requester=learner,
        kind="employer",
        organisation_name="Acme",
        contact_email="rh@acme.example",
        message="Camille Martin, service data",
    )
    account_delete(user=learner)
    request.refresh_from_db()
    assert (request.organisation_name, request.contact_email, request.message) == ("Acme", "", "")


def test_personal_data_lists_everything_with_versions_and_timestamps(learner, finished, session):
    WaitlistEntry.objects.create(session=session, person=learner)
    FundingRequest.objects.create(session=session, requester=learner, kind="funder", organisation_name="OPCO Atlas")
    other = UserFactory()
    EnrolmentFactory(session=session, learner=other)

    data = personal_data(user=learner)

    assert data["profile"]["email"] == "camille@example.org"
    assert data["profile"]["email_addresses"] == [{"email": "camille@example.org", "verified": True, "primary": True}]
    assert [e["session"] for e in data["enrolments"]] == [finished.session.code]
    (order,) = data["orders"]
    assert order["reference"] == finished.order.reference
    assert [(i["number"], i["amount"], i["status"]) for i in order["instalments"]] == [(1, Decimal("900.00"), "paid")]
    assert [i["number"] for i in data["invoices"]] == ["2026-00001"]
    assert [w["session"] for w in data["waitlist"]] == [session.code]
    assert [f["organisation_name"] for f in data["funding_requests"]] == ["OPCO Atlas"]
    assert [(a["document"]["kind"], a["document"]["version"]) for a in data["acceptances"]] == [
        ("terms_of_sale", "2026-11"),
        ("internal_rules", "2026-11"),
    ]
    assert all(a["accepted_at"] == finished.accepted_at for a in data["acceptances"])
