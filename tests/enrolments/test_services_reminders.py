"""Who is reminded of a course start or told about a coming charge, and that nobody hears it twice."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from courses.factories import SessionFactory
from courses.models import SessionStatus
from enrolments.factories import EnrolmentFactory, InstalmentFactory, UserFactory
from enrolments.models import EnrolmentStatus, InstalmentStatus, OrderStatus
from enrolments.services.reminders import send_due_reminders

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 3, 1, 6, 0, tzinfo=dt.UTC)  # 07:00 in Lyon, when the daily run happens


def session_starting(course, start: dt.date, **kwargs):
    return SessionFactory(course=course, start=start, **kwargs)


@pytest.fixture
def runner(django_capture_on_commit_callbacks):
    def run_at(now=NOW) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return send_due_reminders(now=now)

    return run_at


def test_a_week_and_a_day_before_the_start_confirmed_learners_are_reminded(course, legal_texts, runner):
    in_six_days = session_starting(course, dt.date(2027, 3, 7))
    tomorrow = session_starting(course, dt.date(2027, 3, 2))  # 09:00 on 2 March
    later = session_starting(course, dt.date(2027, 3, 20))
    EnrolmentFactory(session=in_six_days, learner=UserFactory(email="week@example.org"))
    EnrolmentFactory(session=tomorrow, learner=UserFactory(email="day@example.org"), reminded_7_at=NOW)
    EnrolmentFactory(session=later, learner=UserFactory(email="later@example.org"))

    assert runner() == 1  # 26 hours before tomorrow's start: not yet the 1-day reminder
    assert runner(NOW + dt.timedelta(hours=3)) == 1

    assert [message.to for message in mail.outbox] == [["week@example.org"], ["day@example.org"]]
    assert "2 mars 2027" in mail.outbox[1].body


def test_only_confirmed_learners_of_scheduled_sessions_are_reminded(course, legal_texts, runner):
    session = session_starting(course, dt.date(2027, 3, 7))
    cancelled = session_starting(course, dt.date(2027, 3, 7))
    cancelled.status = SessionStatus.CANCELLED
    cancelled.save()
    EnrolmentFactory(session=session, learner=UserFactory(email="in@example.org"))
    EnrolmentFactory(session=session, learner=UserFactory(email="out@example.org"), status=EnrolmentStatus.WITHDRAWN)
    EnrolmentFactory(session=session, learner=UserFactory(email="held@example.org"), status=EnrolmentStatus.HELD)
    EnrolmentFactory(session=cancelled, learner=UserFactory(email="cancelled@example.org"))

    runner()

    assert [message.to for message in mail.outbox] == [["in@example.org"]]


def test_frequent_runs_remind_each_learner_once_per_reminder(course, legal_texts, runner):
    session = session_starting(course, dt.date(2027, 3, 10))  # 09:00 on 10 March
    EnrolmentFactory(session=session, learner=UserFactory(email="camille@example.org"))

    sent = {NOW + dt.timedelta(hours=hours): runner(NOW + dt.timedelta(hours=hours)) for hours in range(0, 240, 2)}

    # 7 days before (3 March, 09:00) and 1 day before (9 March, 09:00), nothing on the other runs.
    assert [when for when, count in sent.items() if count] == [
        dt.datetime(2027, 3, 3, 8, 0, tzinfo=dt.UTC),
        dt.datetime(2027, 3, 9, 8, 0, tzinfo=dt.UTC),
    ]
    assert len(mail.outbox) == 2
    assert len({message.subject for message in mail.outbox}) == 2


@pytest.fixture
def order(session, learner, legal_texts):
    enrolment = EnrolmentFactory(session=session, learner=learner)
    return enrolment.order


def test_a_scheduled_charge_is_announced_three_days_before_and_only_once(order, runner):
    today = timezone.localdate(NOW)
    soon = InstalmentFactory(order=order, number=1, due_on=today + dt.timedelta(days=3), amount=Decimal("270.00"))
    InstalmentFactory(order=order, number=2, due_on=today + dt.timedelta(days=4), amount=Decimal("630.00"))

    assert runner() == 1
    assert runner() == 0
    assert runner(NOW + dt.timedelta(minutes=5)) == 0

    [message] = mail.outbox
    assert message.to == ["camille@example.org"]
    assert "270,00\u00a0€" in message.body
    soon.refresh_from_db()
    assert soon.announced_at == NOW


def test_charges_not_scheduled_or_of_inactive_orders_are_not_announced(order, session, runner):
    today = timezone.localdate(NOW)
    InstalmentFactory(order=order, number=1, due_on=today + dt.timedelta(days=2), status=InstalmentStatus.FAILED)
    InstalmentFactory(order=order, number=2, due_on=today + dt.timedelta(days=2), status=InstalmentStatus.PAID)
    InstalmentFactory(order=order, number=3, due_on=today, status=InstalmentStatus.SCHEDULED)  # due today: charged now
    cancelled = EnrolmentFactory(session=session, learner=UserFactory()).order
    cancelled.status = OrderStatus.CANCELLED
    cancelled.save()
    InstalmentFactory(order=cancelled, number=1, due_on=today + dt.timedelta(days=2))

    assert runner() == 0
    assert mail.outbox == []
