"""``/api/v1/me/``: the signed-in person's profile and enrolments, and cancelling one."""
# ruff: noqa: F811 (pytest fixtures imported from tests/enrolments/conftest.py are parameters here)

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from courses.factories import SessionFactory, make_slots
from enrolments.factories import CompanyOrderFactory, EnrolmentFactory, UserFactory
from enrolments.models import Attendance, AttendanceStatus, EnrolmentStatus
from tests.enrolments.conftest import course, learner, legal_texts, session  # noqa: F401 (fixtures)

ME = "/api/v1/me/"
ENROLMENTS = "/api/v1/me/enrolments/"


def cancel_path(enrolment) -> str:
    return f"/api/v1/me/enrolments/{enrolment.public_id}/cancel/"


def test_the_profile_shows_the_person_details(client, learner):
    client.force_login(learner)

    body = client.get(ME).json()

    assert body["email"] == "camille@example.org"
    assert (body["first_name"], body["last_name"], body["postal_code"]) == ("Camille", "Martin", "69002")
    assert body["professional_status"] == "employee" and body["language"] == "fr"


def test_the_profile_is_private(client, db):
    assert client.get(ME).status_code == 401


def test_patching_the_profile_changes_only_what_is_sent(client, learner):
    client.force_login(learner)

    response = client.patch(ME, {"city": "Saint-Étienne", "postal_code": "42 000"}, content_type="application/json")

    assert response.status_code == 200
    learner.refresh_from_db()
    assert (learner.city, learner.postal_code, learner.first_name) == ("Saint-Étienne", "42000", "Camille")


def test_a_refused_profile_change_says_which_field_and_changes_nothing(client, learner):
    client.force_login(learner)

    response = client.patch(
        ME, {"postal_code": "690", "phone": "call me"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["postal_code"] == ["A French postal code has 5 digits, for example 69007."]
    assert "phone" in error["fields"]
    learner.refresh_from_db()
    assert learner.postal_code == "69002"


def test_the_email_cannot_be_changed_through_the_api(client, learner):
    client.force_login(learner)

    client.patch(ME, {"email": "thief@example.org"}, content_type="application/json")

    learner.refresh_from_db()
    assert learner.email == "camille@example.org"


def test_the_enrolments_list_shows_mine_only(client, learner, session):
    mine = EnrolmentFactory(session=session, learner=learner)
    EnrolmentFactory(session=session, learner=UserFactory())
    client.force_login(learner)

    body = client.get(ENROLMENTS).json()

    assert body["count"] == 1
    row = body["results"][0]
    assert row["public_id"] == str(mine.public_id)
    assert (row["session_code"], row["course_title"], row["status"]) == (
        "IAF-TST-2027-01",
        "Apprentissage frugal",
        "confirmed",
    )
    assert row["can_cancel"] is True and row["company_seat"] is False


def test_the_enrolments_list_reads_in_a_constant_number_of_queries(client, learner, session):
    client.force_login(learner)
    EnrolmentFactory(session=session, learner=learner)
    client.get(ENROLMENTS)  # Warms the site's caches (root paths), as any earlier request would.
    with CaptureQueriesContext(connection) as one:
        client.get(ENROLMENTS)
    for _ in range(4):
        EnrolmentFactory(session=session, learner=learner, status=EnrolmentStatus.CANCELLED)

    with CaptureQueriesContext(connection) as five:
        assert client.get(ENROLMENTS).json()["count"] == 5

    assert len(five) == len(one) <= 8


def test_the_enrolments_list_is_private(client, db):
    assert client.get(ENROLMENTS).status_code == 401


def test_cancelling_within_the_withdrawal_period_withdraws(client, learner, session):
    enrolment = EnrolmentFactory(session=session, learner=learner)
    client.force_login(learner)

    response = client.post(cancel_path(enrolment))

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn" and response.json()["can_cancel"] is False
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN


def test_cancelling_after_the_withdrawal_period_cancels(client, learner, session):
    enrolment = EnrolmentFactory(
        session=session, learner=learner, withdrawal_ends_at=timezone.now() - dt.timedelta(days=1)
    )
    client.force_login(learner)

    response = client.post(cancel_path(enrolment))

    assert response.status_code == 200
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED


def test_cancelling_an_ended_enrolment_is_a_409(client, learner, session):
    enrolment = EnrolmentFactory(session=session, learner=learner, status=EnrolmentStatus.CANCELLED)
    client.force_login(learner)

    response = client.post(cancel_path(enrolment), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "refused",
        "message": "This enrolment can no longer be changed this way.",
    }


def test_a_company_seat_cannot_be_cancelled_by_the_employee(client, learner, session):
    order = CompanyOrderFactory(session=session)
    enrolment = EnrolmentFactory(session=session, learner=learner, order=order)
    client.force_login(learner)

    response = client.post(cancel_path(enrolment), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert "ask your manager" in response.json()["error"]["message"]
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CONFIRMED


def test_cancelling_someone_else_enrolment_is_a_404(client, learner, session):
    enrolment = EnrolmentFactory(session=session, learner=UserFactory())
    client.force_login(learner)

    response = client.post(cancel_path(enrolment))

    assert response.status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CONFIRMED


@pytest.mark.parametrize("method", ["get", "post"])
def test_cancelling_needs_a_signed_in_person(client, session, method):
    enrolment = EnrolmentFactory(session=session)

    response = getattr(client, method)(cancel_path(enrolment))

    assert response.status_code == 401
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CONFIRMED


def test_a_page_beyond_the_last_is_a_404_the_schema_documents(client, learner, session):
    EnrolmentFactory(session=session, learner=learner)
    client.force_login(learner)

    response = client.get(ENROLMENTS, {"page": 2})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "404" in schema["paths"][ENROLMENTS]["get"]["responses"]


# --- attendance -----------------------------------------------------------------------------------


def past_session(course, days_ago: int = 10):
    """Two past days of 9:00–16:00 (7 hours each)."""
    start = timezone.localdate() - dt.timedelta(days=days_ago)
    return SessionFactory(course=course, start=start, slots=make_slots(start, 2, end_time=dt.time(16, 0)))


def mark(enrolment, *statuses):
    for slot, status in zip(enrolment.session.slots.order_by("date"), statuses, strict=False):
        Attendance.objects.create(enrolment=enrolment, slot=slot, status=status)


def test_an_enrolment_states_the_hours_the_register_marks_present(client, learner, course):
    enrolment = EnrolmentFactory(session=past_session(course), learner=learner, status=EnrolmentStatus.COMPLETED)
    mark(enrolment, AttendanceStatus.PRESENT, AttendanceStatus.ABSENT)
    client.force_login(learner)

    (row,) = client.get(ENROLMENTS).json()["results"]

    assert row["attendance"] == {"recorded": True, "attended_hours": "7.0", "total_hours": "14.0"}


def test_an_enrolment_without_a_register_says_so(client, learner, course):
    EnrolmentFactory(session=past_session(course), learner=learner, status=EnrolmentStatus.COMPLETED)
    client.force_login(learner)

    (row,) = client.get(ENROLMENTS).json()["results"]

    assert row["attendance"] == {"recorded": False, "attended_hours": "0.0", "total_hours": "14.0"}


def test_someone_elses_marks_do_not_count_for_me(client, learner, course):
    session = past_session(course)
    EnrolmentFactory(session=session, learner=learner, status=EnrolmentStatus.COMPLETED)
    other = EnrolmentFactory(session=session, learner=UserFactory(), status=EnrolmentStatus.COMPLETED)
    mark(other, AttendanceStatus.PRESENT, AttendanceStatus.PRESENT)
    client.force_login(learner)

    (row,) = client.get(ENROLMENTS).json()["results"]

    assert row["attendance"]["recorded"] is False


def test_the_attendance_reads_in_a_constant_number_of_queries(client, learner, course):
    client.force_login(learner)
    mark(EnrolmentFactory(session=past_session(course), learner=learner), AttendanceStatus.PRESENT)
    client.get(ENROLMENTS)  # Warms the site's caches (root paths), as any earlier request would.
    with CaptureQueriesContext(connection) as one:
        client.get(ENROLMENTS)
    for days_ago in (20, 30, 40):
        mark(EnrolmentFactory(session=past_session(course, days_ago), learner=learner), AttendanceStatus.PRESENT)

    with CaptureQueriesContext(connection) as four:
        rows = client.get(ENROLMENTS).json()["results"]

    assert [row["attendance"]["attended_hours"] for row in rows] == ["7.0"] * 4
    assert len(four) == len(one)
