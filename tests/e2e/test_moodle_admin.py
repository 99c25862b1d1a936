"""Staff find a failed Moodle operation in the admin, read its error, and retry it.

The dummy LMS stands in for Moodle and the tasks run at once, so the retry's
drain sends the operation before the list comes back.
"""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from catalogue.factories import CoursePageFactory
from courses.factories import SessionFactory
from lms.backends import dummy
from lms.models import ErrorKind, OutboxItem, OutboxKind, OutboxStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-solide-42"
ERROR = "Short name IAF-E2E-MOODLE is already used by another course"


def french(msgid: str) -> str:
    with translation.override("fr"):
        return translation.gettext(msgid)


@pytest.fixture
def failed_course(catalogue_page, settings):
    """A session whose Moodle course was refused (its categories are in sync)."""
    settings.LMS_BACKEND = "dummy"
    dummy.reset()
    course = CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal", slug="apprentissage-frugal")
    session = SessionFactory(course=course, code="IAF-E2E-MOODLE", start=dt.date.today() + dt.timedelta(days=60))
    OutboxItem.objects.filter(kind=OutboxKind.CATEGORY).update(status=OutboxStatus.SYNCED, synced_at=timezone.now())
    OutboxItem.objects.filter(kind=OutboxKind.COURSE, key=session.code).update(
        status=OutboxStatus.FAILED,
        attempts=3,
        next_attempt_at=timezone.now() + dt.timedelta(hours=1),
        error_kind=ErrorKind.ITEM,
        error_code="shortnametaken",
        error_message=ERROR,
    )
    yield OutboxItem.objects.get(kind=OutboxKind.COURSE, key=session.code)
    dummy.reset()


@pytest.fixture
def operator(db, django_user_model):
    """Staff who may see and retry Moodle operations, and nothing else."""
    group = Group.objects.create(name="Moodle operators")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(content_type__app_label="lms", codename="view_outboxitem"),
        Permission.objects.get(content_type__app_label="lms", codename="change_outboxitem"),
    )
    user = django_user_model.objects.create_user(username="olga", email="olga@example.org", password=PASSWORD)
    user.groups.add(group)
    return user


def test_staff_retry_a_failed_operation_and_it_leaves_the_failed_list(page: Page, failed_course, operator):
    page.goto("/admin/login/")
    page.fill("input[name=username]", "olga")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.get_by_role("link", name="Moodle", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/moodle/$"))
    row = page.locator("table.listing tbody tr").filter(has_text="IAF-E2E-MOODLE")
    expect(row).to_contain_text(ERROR)

    row.get_by_role("button", name=re.compile(re.escape(french("Retry now")))).click()

    expect(page).to_have_url(re.compile(r"/admin/moodle/$"))
    expect(page.locator(".messages")).to_contain_text("IAF-E2E-MOODLE")
    expect(page.get_by_text(ERROR)).to_have_count(0)
    failed_course.refresh_from_db()
    assert failed_course.status == OutboxStatus.SYNCED
    assert failed_course.moodle_id is not None
