"""The enrolment lifecycle: hold, confirm, expire, withdraw, cancel, and the places they use."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.factories import SessionFactory
from enrolments.factories import InstalmentFactory, UserFactory
from enrolments.models import EnrolmentStatus, Funding, InstalmentStatus, OrderStatus, WaitlistStatus
from enrolments.services.enrolment import (
    enrolment_cancel,
    enrolment_confirm,
    enrolment_release_hold,
    enrolment_start,
    enrolment_withdraw,
    release_expired_holds,
    session_cancel,
)
from enrolments.services.errors import EnrolmentRefused, SessionFull, TransitionNotAllowed
from enrolments.services.waitlist import expire_offers, waitlist_join

pytestmark = pytest.mark.django_db


@pytest.fixture
def notified(monkeypatch):
    """The emails the services asked for, as (kind, object id)."""
    sent = []
    from enrolments import emails

    monkeypatch.setattr(emails, "notify", lambda kind, object_id: sent.append((kind, object_id)), raising=False)
    return sent


@pytest.fixture
def refunds(monkeypatch):
    asked = []
    from enrolments import tasks

    class FakeTask:
        @staticmethod
        def enqueue(order_id, amount, reason):
            asked.append((order_id, Decimal(amount), reason))

    monkeypatch.setattr(tasks, "refund_order_task", FakeTask)
    return asked


def start(session, learner, legal_texts, **kwargs):
    kwargs.setdefault("funding", Funding.SELF)
    return enrolment_start(
        session=session, learner=learner, terms=legal_texts["terms"], internal_rules=legal_texts["rules"], **kwargs
    )


def confirm(enrolment, now=None):
    return enrolment_confirm(enrolment=enrolment, customer_id="cus_1", payment_method_id="pm_1", now=now)


def test_start_holds_a_place_and_records_what_was_accepted(session, learner, legal_texts, notified):
    enrolment = start(session, learner, legal_texts)
    session.refresh_from_db()
    assert session.places_taken == 1
    assert enrolment.status == EnrolmentStatus.HELD
    assert enrolment.hold_expires_at - enrolment.accepted_at == dt.timedelta(minutes=30)
    assert (enrolment.terms, enrolment.internal_rules) == (legal_texts["terms"], legal_texts["rules"])
    assert enrolment.order.amount_incl_tax == Decimal("900.00")
    assert enrolment.order.status == OrderStatus.PENDING
    assert notified == []


def test_starting_twice_resumes_the_same_hold(session, learner, legal_texts, notified):
    first = start(session, learner, legal_texts)
    assert start(session, learner, legal_texts) == first
    session.refresh_from_db()
    assert session.places_taken == 1


def test_confirm_starts_the_withdrawal_period_and_plans_the_schedule(session, learner, legal_texts, notified):
    enrolment = confirm(start(session, learner, legal_texts))
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    assert enrolment.withdrawal_ends_at - enrolment.confirmed_at == dt.timedelta(days=10)
    instalments = list(enrolment.order.instalments.all())
    assert [i.amount for i in instalments] == [Decimal("270.00"), Decimal("630.00")]
    assert instalments[0].due_on > timezone.localdate(enrolment.withdrawal_ends_at)
    assert enrolment.order.payment_method_id == "pm_1"
    assert notified == [("enrolment_confirmed", enrolment.pk)]


def test_confirm_is_idempotent(session, learner, legal_texts, notified):
    enrolment = start(session, learner, legal_texts)
    confirm(enrolment)
    confirm(enrolment)
    assert enrolment.order.instalments.count() == 2
    assert len(notified) == 1


def test_a_full_session_refuses_a_new_hold(course, learner, legal_texts, notified):
    session = SessionFactory(course=course, capacity=1)
    start(session, UserFactory(), legal_texts)
    with pytest.raises(SessionFull):
        start(session, learner, legal_texts)


def test_an_expired_hold_frees_its_place_for_the_next_buyer(course, learner, legal_texts, notified):
    session = SessionFactory(course=course, capacity=1)
    stale = start(session, UserFactory(), legal_texts, now=timezone.now() - dt.timedelta(minutes=31))
    enrolment = start(session, learner, legal_texts)
    stale.refresh_from_db()
    session.refresh_from_db()
    assert stale.status == EnrolmentStatus.EXPIRED
    assert enrolment.status == EnrolmentStatus.HELD
    assert session.places_taken == 1


def test_the_periodic_release_expires_stale_holds(session, learner, legal_texts, notified):
    held = start(session, learner, legal_texts, now=timezone.now() - dt.timedelta(hours=1))
    assert release_expired_holds() == 1
    held.refresh_from_db()
    session.refresh_from_db()
    assert held.status == EnrolmentStatus.EXPIRED
    assert held.order.status == OrderStatus.CANCELLED
    assert session.places_taken == 0


def test_a_card_saved_after_the_hold_expired_still_confirms_when_a_place_is_free(
    session, learner, legal_texts, notified
):
    held = start(session, learner, legal_texts)
    enrolment_release_hold(enrolment=held)
    enrolment = confirm(held)
    session.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    assert session.places_taken == 1


def test_a_card_saved_after_the_hold_expired_is_refused_when_the_session_filled(course, learner, legal_texts, notified):
    session = SessionFactory(course=course, capacity=1)
    held = start(session, learner, legal_texts)
    enrolment_release_hold(enrolment=held)
    start(session, UserFactory(), legal_texts)
    with pytest.raises(SessionFull):
        confirm(held)
    held.refresh_from_db()
    assert held.status == EnrolmentStatus.EXPIRED


def test_free_places_are_only_for_partner_domains(session, legal_texts, notified):
    outsider = UserFactory(email="someone@gmail.com")
    with pytest.raises(EnrolmentRefused):
        start(session, outsider, legal_texts, funding=Funding.FREE)
    partner = UserFactory(email="chercheuse@ens-lyon.fr")
    enrolment = start(session, partner, legal_texts, funding=Funding.FREE)
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    assert enrolment.order.status == OrderStatus.PAID
    assert enrolment.order.instalments.count() == 0


def test_a_course_starting_within_ten_days_needs_consent_to_start_early(course, learner, legal_texts, notified):
    soon = SessionFactory(
        course=course,
        start=timezone.localdate() + dt.timedelta(days=5),
        enrolment_closes_at=timezone.now() + dt.timedelta(days=4),
    )
    with pytest.raises(EnrolmentRefused):
        start(soon, learner, legal_texts)
    enrolment = confirm(start(soon, learner, legal_texts, early_start_consent=True))
    assert enrolment.early_start_consent_at is not None
    first = enrolment.order.instalments.order_by("due_on").first()
    assert first.due_on > timezone.localdate(enrolment.withdrawal_ends_at)


def test_an_incomplete_profile_cannot_enrol(session, legal_texts, notified):
    with pytest.raises(EnrolmentRefused):
        start(session, UserFactory(street_address=""), legal_texts)


def test_withdrawal_in_the_period_is_free_and_frees_the_place(session, learner, legal_texts, notified, refunds):
    enrolment = confirm(start(session, learner, legal_texts))
    enrolment = enrolment_withdraw(enrolment=enrolment)
    session.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert session.places_taken == 0
    assert set(enrolment.order.instalments.values_list("status", flat=True)) == {InstalmentStatus.CANCELLED}
    assert refunds == []
    assert notified[-1] == ("enrolment_withdrawn", enrolment.pk)


def test_withdrawal_after_the_period_is_refused(session, learner, legal_texts, notified):
    enrolment = confirm(start(session, learner, legal_texts), now=timezone.now() - dt.timedelta(days=11))
    with pytest.raises(TransitionNotAllowed):
        enrolment_withdraw(enrolment=enrolment)


@pytest.mark.parametrize(("days_before", "refunded"), [(20, "270.00"), (10, "135.00"), (3, None)])
def test_cancellation_after_the_period_applies_the_terms(
    course, learner, legal_texts, notified, refunds, days_before, refunded, django_capture_on_commit_callbacks
):
    session = SessionFactory(
        course=course,
        start=timezone.localdate() + dt.timedelta(days=days_before),
        enrolment_closes_at=timezone.now() + dt.timedelta(days=1),
    )
    enrolment = start(
        session, learner, legal_texts, early_start_consent=True, now=timezone.now() - dt.timedelta(days=12)
    )
    enrolment = confirm(enrolment, now=timezone.now() - dt.timedelta(days=12))
    deposit = enrolment.order.instalments.get(number=1)
    deposit.status = InstalmentStatus.PAID
    deposit.save()
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = enrolment_cancel(enrolment=enrolment)
    assert enrolment.status == EnrolmentStatus.CANCELLED
    expected = [(enrolment.order.pk, Decimal(refunded), "cancelled")] if refunded else []
    assert refunds == expected
    assert enrolment.order.instalments.get(number=2).status == InstalmentStatus.CANCELLED


def test_organiser_cancellation_refunds_everything_paid(
    session, learner, legal_texts, notified, refunds, django_capture_on_commit_callbacks
):
    enrolment = confirm(start(session, learner, legal_texts))
    paid = InstalmentFactory(order=enrolment.order, number=9, amount=Decimal("100.00"), status=InstalmentStatus.PAID)
    with django_capture_on_commit_callbacks(execute=True):
        assert session_cancel(session=session) == 1
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED_BY_ORGANISER
    assert refunds == [(enrolment.order.pk, paid.amount, "cancelled_by_organiser")]
    assert notified[-1] == ("session_cancelled", enrolment.pk)


def test_a_freed_place_is_offered_to_the_waitlist_and_kept_for_them(course, legal_texts, notified):
    session = SessionFactory(course=course, capacity=1)
    first = confirm(start(session, UserFactory(), legal_texts))
    waiting = UserFactory()
    entry = waitlist_join(session=session, person=waiting)
    enrolment_withdraw(enrolment=first)
    entry.refresh_from_db()
    session.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED
    assert ("waitlist_offer", entry.pk) in notified
    assert session.places_taken == 1  # kept for the offer
    with pytest.raises(SessionFull):
        start(session, UserFactory(), legal_texts)
    enrolment = start(session, waiting, legal_texts)
    entry.refresh_from_db()
    session.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.HELD
    assert entry.status == WaitlistStatus.ACCEPTED
    assert session.places_taken == 1


def test_an_offer_not_taken_in_time_passes_to_the_next_person(course, legal_texts, notified):
    session = SessionFactory(course=course, capacity=1)
    first = confirm(start(session, UserFactory(), legal_texts))
    one = waitlist_join(session=session, person=UserFactory())
    two = waitlist_join(session=session, person=UserFactory())
    enrolment_withdraw(enrolment=first)
    assert expire_offers(now=timezone.now() + dt.timedelta(hours=49)) == 1
    one.refresh_from_db()
    two.refresh_from_db()
    session.refresh_from_db()
    assert (one.status, two.status) == (WaitlistStatus.EXPIRED, WaitlistStatus.OFFERED)
    assert session.places_taken == 1


def test_joining_the_waitlist_of_an_open_session_is_refused(session, learner, notified):
    with pytest.raises(EnrolmentRefused):
        waitlist_join(session=session, person=learner)
