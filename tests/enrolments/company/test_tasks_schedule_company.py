"""The periodic schedule runs the company steps: quotes expired, unpaid orders warned and released, seat reminders."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from enrolments.factories import OrganisationFactory, UserFactory
from enrolments.models import Order, OrderStatus
from enrolments.tasks import run_enrolment_schedule, run_schedule_once
from tests.enrolments.company.release_data import invoiced_order

pytestmark = pytest.mark.django_db

COMPANY_STEPS = {"quotes_expired", "unpaid_orders_warned", "unpaid_orders_released", "seat_reminders_sent"}


@pytest.fixture(autouse=True)
def _company_settings(settings):
    settings.PAYMENT_BACKEND = "dummy"
    settings.COMPANY_UNPAID_WARNING_DAYS = [7, 2]


@pytest.fixture
def manager(db):
    return UserFactory(email="rh@acme.example")


@pytest.fixture
def orders(session, manager, django_capture_on_commit_callbacks):
    """Two unpaid orders of two organisations: one due for release today, one 7 days before its release."""
    today = timezone.localdate()
    with django_capture_on_commit_callbacks():
        due = invoiced_order(session=session, organisation=OrganisationFactory(manager=manager), manager=manager)
        near = invoiced_order(session=session, organisation=OrganisationFactory(manager=manager), manager=manager)
    Order.objects.filter(pk=due.pk).update(release_on=today)
    Order.objects.filter(pk=near.pk).update(release_on=today + dt.timedelta(days=7))
    mail.outbox.clear()
    return due, near


def test_the_report_names_every_step_including_the_company_ones(db):
    report = run_schedule_once()

    assert set(report) >= COMPANY_STEPS
    assert {"holds_released", "offers_expired", "reminders_sent", "instalments_charged"} <= set(report)
    assert all(isinstance(count, int) for count in report.values())
    assert {report[step] for step in COMPANY_STEPS} == {0}


def test_the_schedule_warns_and_releases_unpaid_orders(orders, django_capture_on_commit_callbacks):
    due, near = orders

    with django_capture_on_commit_callbacks(execute=True):
        report = run_schedule_once()

    assert (report["unpaid_orders_released"], report["unpaid_orders_warned"]) == (1, 1)
    due.refresh_from_db()
    near.refresh_from_db()
    assert due.status == OrderStatus.CANCELLED
    assert near.status == OrderStatus.INVOICED and "unpaid_warning_7" in near.notices
    subjects = [message.subject for message in mail.outbox]
    assert any(due.reference in subject for subject in subjects)
    assert any(near.reference in subject for subject in subjects)


def test_the_task_runs_the_same_schedule(orders, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = run_enrolment_schedule.enqueue()

    assert result.return_value["unpaid_orders_released"] == 1
