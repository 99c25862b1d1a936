"""The "Moodle" admin: operations not in sync with their errors, retries, the paused banner,
and each session's Moodle status in the session admin."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from courses.factories import SessionFactory
from lms.models import ErrorKind, OutboxItem, OutboxKind, OutboxStatus, QueueState
from lms.status import SessionLmsState, session_state, session_statuses

pytestmark = pytest.mark.django_db

INDEX = "lms_operations:index"
COURSE_ERROR = "Short name is already used by another course (IAF-TST-2027-01 in category 12)"
ENROLMENT_ERROR = "Moodle refused the enrolment: " + "the manual enrolment instance is disabled. " * 6


def french(text) -> str:
    """What the admin shows in French (the default language) for a msgid or a lazy label."""
    with translation.override("fr"):
        return str(translation.gettext(text) if isinstance(text, str) else text)


def staff(django_user_model, username, *codenames):
    """A user of the Wagtail admin holding these permissions (codenames), through a group."""
    group = Group.objects.create(name=f"group of {username}")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        *(Permission.objects.get(content_type__app_label="lms", codename=c) for c in codenames),
    )
    user = django_user_model.objects.create_user(username=username, password="pw", email=f"{username}@x.test")
    user.groups.add(group)
    return user


@pytest.fixture
def operator(client, django_user_model):
    """Staff who see the operations and retry them."""
    user = staff(django_user_model, "olga", "view_outboxitem", "change_outboxitem")
    client.force_login(user)
    return user


@pytest.fixture
def viewer(django_user_model):
    return staff(django_user_model, "victor", "view_outboxitem")


@pytest.fixture
def rows(session, learner, confirm):
    """The session's course row failed, its enrolment a dead letter, and an unrelated row in sync."""
    confirm(learner, session)  # queues the user and the enrolment rows
    course = OutboxItem.objects.get(kind=OutboxKind.COURSE, key=session.code)
    enrolment = OutboxItem.objects.get(kind=OutboxKind.ENROLMENT)
    fail(course, OutboxStatus.FAILED, "shortnametaken", COURSE_ERROR)
    fail(enrolment, OutboxStatus.DEAD, "wsnoinstance", ENROLMENT_ERROR)
    synced = OutboxItem.objects.create(
        kind=OutboxKind.USER, key="allys-999999", payload={"idnumber": "allys-999999"}, status=OutboxStatus.SYNCED
    )
    return {"course": course, "enrolment": enrolment, "synced": synced}


def fail(row, status, code, message):
    OutboxItem.objects.filter(pk=row.pk).update(
        status=status,
        attempts=5 if status == OutboxStatus.DEAD else 2,
        next_attempt_at=timezone.now() + dt.timedelta(hours=1),
        error_kind=ErrorKind.ITEM,
        error_code=code,
        error_message=message,
    )
    row.refresh_from_db()


def listing(client, **params) -> str:
    """The text of the list's rows, without the filters around them."""
    response = client.get(reverse(INDEX), params)
    assert response.status_code == 200
    body = BeautifulSoup(response.content, "html.parser").select_one("table.listing tbody")
    return body.get_text(" ", strip=True) if body else ""


def page_text(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


# --- the list ----------------------------------------------------------------


def test_list_shows_failed_and_dead_operations_with_their_errors_and_hides_synced_ones(client, operator, rows):
    text = listing(client)

    assert "IAF-TST-2027-01" in text
    assert "shortnametaken" in text and COURSE_ERROR in text
    assert "wsnoinstance" in text and "Moodle refused the enrolment" in text
    assert french(OutboxStatus.FAILED.label) in text and french(OutboxStatus.DEAD.label) in text
    assert "allys-999999" not in text


def test_synced_operations_are_listed_on_demand(client, operator, rows):
    assert "allys-999999" in listing(client, status=OutboxStatus.SYNCED)
    everything = listing(client, status="all")
    assert "allys-999999" in everything and COURSE_ERROR in everything


def test_filters_by_status_kind_error_kind_and_session_code(client, operator, rows, course):
    other = SessionFactory(course=course, code="AUTRE-2027-02")
    enrolment_key = rows["enrolment"].key

    dead = listing(client, status=OutboxStatus.DEAD)
    assert enrolment_key in dead and COURSE_ERROR not in dead

    courses = listing(client, kind=OutboxKind.COURSE)
    assert COURSE_ERROR in courses and enrolment_key not in courses and "AUTRE-2027-02" in courses

    refused = listing(client, error_kind=ErrorKind.ITEM)
    assert COURSE_ERROR in refused and enrolment_key in refused and "AUTRE-2027-02" not in refused

    by_session = listing(client, session="tst-2027")
    assert COURSE_ERROR in by_session and enrolment_key in by_session and "AUTRE-2027-02" not in by_session
    assert other.code in listing(client, session="autre")


def test_list_runs_the_same_queries_for_one_or_many_rows(client, operator, rows, course):
    def count():
        with CaptureQueriesContext(connection) as queries:
            listing(client)
        return len(queries)

    count()  # warm caches
    before = count()
    for number in range(5):
        SessionFactory(course=course, code=f"MORE-{number}")
    assert count() == before


def test_inspect_shows_the_payload_and_the_full_error(client, operator, rows):
    enrolment = rows["enrolment"]
    response = client.get(reverse("lms_operations:inspect", args=(enrolment.pk,)))

    assert response.status_code == 200
    text = page_text(response)
    assert ENROLMENT_ERROR.strip() in text  # the list cuts it short
    payload = BeautifulSoup(response.content, "html.parser").select_one("pre.lms-payload").get_text()
    assert '"course_idnumber": "IAF-TST-2027-01"' in payload
    assert '"active": true' in payload


def test_the_list_and_inspect_offer_no_edit_or_delete(client, operator, rows):
    html = client.get(reverse(INDEX)).content.decode()
    assert "/admin/moodle/edit/" not in html and "/admin/moodle/delete/" not in html
    assert client.get(f"/admin/moodle/edit/{rows['course'].pk}/").status_code == 404


# --- retrying ----------------------------------------------------------------


def test_retry_makes_the_operation_due_now_without_its_error_and_starts_a_drain(
    client, operator, rows, django_capture_on_commit_callbacks
):
    course = rows["course"]
    url = reverse("lms_operations:retry", args=(course.pk,))

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, {"next": "/admin/moodle/?kind=course"})

    assert response.status_code == 302 and response["Location"] == "/admin/moodle/?kind=course"
    course.refresh_from_db()
    assert course.status == OutboxStatus.PENDING and course.attempts == 0
    assert course.next_attempt_at <= timezone.now()
    assert (course.error_kind, course.error_code, course.error_message) == ("", "", "")
    assert [callback.__name__ for callback in callbacks] == ["request_drain"]


def test_retried_operation_is_sent_and_leaves_the_list(client, operator, rows, django_capture_on_commit_callbacks):
    course = rows["course"]
    OutboxItem.objects.filter(kind=OutboxKind.CATEGORY).update(status=OutboxStatus.SYNCED)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("lms_operations:retry", args=(course.pk,)), follow=True)

    course.refresh_from_db()
    assert course.status == OutboxStatus.SYNCED and course.moodle_id
    text = page_text(response)
    assert french("%(operation)s will be sent to Moodle again now.") % {"operation": french(str(course))} in text
    assert COURSE_ERROR not in listing(client)


def test_retry_is_refused_to_staff_who_may_only_view(client, viewer, rows):
    client.force_login(viewer)

    response = client.post(reverse("lms_operations:retry", args=(rows["course"].pk,)))

    assert response.status_code == 403
    rows["course"].refresh_from_db()
    assert rows["course"].status == OutboxStatus.FAILED and rows["course"].error_message == COURSE_ERROR
    assert client.post(reverse("lms_operations:retry_all")).status_code == 403
    assert COURSE_ERROR in listing(client)  # they still read the list
    assert french("Retry now") not in client.get(reverse(INDEX)).content.decode()


def test_retry_refuses_a_get(client, operator, rows):
    response = client.get(reverse("lms_operations:retry", args=(rows["course"].pk,)))

    assert response.status_code == 405
    rows["course"].refresh_from_db()
    assert rows["course"].status == OutboxStatus.FAILED


def test_retry_all_retries_failed_and_dead_operations_and_resumes_the_queue(client, operator, rows):
    QueueState.objects.create(pk=1, paused_at=timezone.now(), reason="MOODLE_TOKEN is empty.")

    response = client.post(reverse("lms_operations:retry_all"), follow=True)

    statuses = dict(OutboxItem.objects.values_list("pk", "status"))
    assert statuses[rows["course"].pk] == OutboxStatus.PENDING
    assert statuses[rows["enrolment"].pk] == OutboxStatus.PENDING
    assert statuses[rows["synced"].pk] == OutboxStatus.SYNCED
    assert QueueState.objects.get(pk=1).paused_at is None
    assert french("The Moodle export has resumed.") in page_text(response)


def test_anonymous_visitors_are_sent_to_the_login_page(client, rows):
    for url in (reverse(INDEX), reverse("lms_operations:inspect", args=(rows["course"].pk,))):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("wagtailadmin_login"))
    response = client.post(reverse("lms_operations:retry", args=(rows["course"].pk,)))
    assert response.status_code == 302
    rows["course"].refresh_from_db()
    assert rows["course"].status == OutboxStatus.FAILED


def test_menu_and_list_are_for_holders_of_the_view_permission(client, django_user_model, viewer):
    outsider = staff(django_user_model, "oscar")
    client.force_login(outsider)
    assert "/admin/moodle/" not in client.get(reverse("wagtailadmin_home")).content.decode()
    response = client.get(reverse(INDEX))
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")

    client.force_login(viewer)
    assert "/admin/moodle/" in client.get(reverse("wagtailadmin_home")).content.decode()


def test_paused_queue_shows_a_banner_with_the_reason(client, operator, rows):
    QueueState.objects.create(pk=1, paused_at=timezone.now(), reason="Invalid token - token not found (invalidtoken)")

    response = client.get(reverse(INDEX))

    html = response.content.decode()
    assert escape(french("The Moodle export is paused.")) in html
    assert "Invalid token - token not found (invalidtoken)" in html
    assert escape(french("Retry all failed and dead")) in html


def test_no_banner_while_the_queue_runs(client, operator, rows):
    QueueState.objects.create(pk=1, reason="an old reason")

    html = client.get(reverse(INDEX)).content.decode()

    assert escape(french("The Moodle export is paused.")) not in html


# --- each session's status ------------------------------------------------------


def mark_synced(session, moodle_id=42):
    OutboxItem.objects.filter(session=session).update(status=OutboxStatus.SYNCED, synced_at=timezone.now())
    OutboxItem.objects.filter(session=session, kind=OutboxKind.COURSE).update(moodle_id=moodle_id)


@pytest.fixture
def sessions(session, course, learner, confirm):
    """One session in each state, by state."""
    in_sync = SessionFactory(course=course, code="SYNC-01")
    mark_synced(in_sync)
    pending = SessionFactory(course=course, code="PEND-01")
    mark_synced(pending, moodle_id=43)
    confirm(learner, pending)  # a new enrolment waits to be sent
    not_exported = SessionFactory(course=course, code="NONE-01")
    OutboxItem.objects.filter(session=not_exported).delete()
    mark_synced(session, moodle_id=44)
    failed = OutboxItem.objects.get(kind=OutboxKind.COURSE, key=session.code)
    fail(failed, OutboxStatus.FAILED, "shortnametaken", COURSE_ERROR)
    return {
        SessionLmsState.IN_SYNC: in_sync,
        SessionLmsState.PENDING: pending,
        SessionLmsState.NOT_EXPORTED: not_exported,
        SessionLmsState.FAILED: session,
    }


@pytest.fixture
def moodle_settings(settings):
    settings.LMS_BACKEND = "moodle"
    settings.MOODLE_URL = "https://moodle.example.org"
    settings.MOODLE_TOKEN = "t" * 32


def test_session_statuses_reads_a_page_of_sessions_in_two_queries(sessions, moodle_settings, django_assert_num_queries):
    ids = [s.pk for s in sessions.values()]

    with django_assert_num_queries(2):
        statuses = session_statuses(ids)

    assert {state: statuses[s.pk].state for state, s in sessions.items()} == {state: state for state in sessions}
    in_sync = statuses[sessions[SessionLmsState.IN_SYNC].pk]
    assert in_sync.course_url == "https://moodle.example.org/course/view.php?id=42"
    assert statuses[sessions[SessionLmsState.NOT_EXPORTED].pk].course_url == ""


@pytest.mark.parametrize(
    ("has_course", "course_synced", "failed", "pending", "expected"),
    [
        (False, False, 0, 0, SessionLmsState.NOT_EXPORTED),
        (True, False, 0, 0, SessionLmsState.NOT_EXPORTED),
        (True, True, 0, 0, SessionLmsState.IN_SYNC),
        (True, True, 0, 3, SessionLmsState.PENDING),
        (True, False, 0, 1, SessionLmsState.PENDING),
        (True, True, 1, 3, SessionLmsState.FAILED),
    ],
)
def test_session_state_puts_failures_first_then_work_in_flight(has_course, course_synced, failed, pending, expected):
    assert session_state(has_course=has_course, course_synced=course_synced, failed=failed, pending=pending) == expected


@pytest.fixture
def superuser(client, django_user_model):
    user = django_user_model.objects.create_superuser(username="ada", email="ada@x.test", password="pw")
    client.force_login(user)
    return user


def test_session_list_shows_each_sessions_moodle_status_and_course_link(client, superuser, sessions, moodle_settings):
    response = client.get(reverse("sessions:index"))

    soup = BeautifulSoup(response.content, "html.parser")
    cells = {}
    for row in soup.select("table.listing tbody tr"):
        status = row.select_one(".lms-session-status")
        code = next(s.code for s in sessions.values() if s.code in row.get_text())
        cells[code] = status
    for state, session in sessions.items():
        cell = cells[session.code]
        assert cell["data-lms-state"] == state
        assert french(state.label) in cell.get_text(" ", strip=True)
    links = {code: [a["href"] for a in cell.select("a")] for code, cell in cells.items()}
    assert "https://moodle.example.org/course/view.php?id=42" in links["SYNC-01"]
    assert not any("moodle.example.org" in href for href in links["NONE-01"])
    # The failed session's status leads to its operations.
    assert "/admin/moodle/?session=IAF-TST-2027-01" in links["IAF-TST-2027-01"]


def test_session_editor_shows_the_moodle_status_with_the_course_link(client, superuser, sessions, moodle_settings):
    session = sessions[SessionLmsState.IN_SYNC]

    response = client.get(reverse("sessions:edit", args=(session.pk,)))

    assert response.status_code == 200
    status = BeautifulSoup(response.content, "html.parser").select_one(".lms-session-panel .lms-session-status")
    assert status["data-lms-state"] == SessionLmsState.IN_SYNC
    assert french(SessionLmsState.IN_SYNC.label) in status.get_text()
    assert status.select_one("a[href='https://moodle.example.org/course/view.php?id=42']")


def test_session_editor_points_at_the_failed_operations(client, superuser, sessions):
    session = sessions[SessionLmsState.FAILED]

    response = client.get(reverse("sessions:edit", args=(session.pk,)))

    panel = BeautifulSoup(response.content, "html.parser").select_one(".lms-session-panel")
    assert french(SessionLmsState.FAILED.label) in panel.get_text()
    assert panel.select_one(f"a[href='/admin/moodle/?session={session.code}']")


def test_retry_from_refreshed_results_returns_to_the_filtered_list(client, operator, rows):
    response = client.get(reverse("lms_operations:index_results"), {"status": OutboxStatus.DEAD})

    form = BeautifulSoup(response.content, "html.parser").select_one("form[action*='/retry/']")
    assert form["action"] == reverse("lms_operations:retry", args=(rows["enrolment"].pk,))
    assert form.select_one("input[name=next]")["value"] == "/admin/moodle/?status=dead"
