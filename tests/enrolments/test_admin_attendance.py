"""The attendance register in the Wagtail admin: who may fill it in, saving, refusals, CSV, query count."""

import csv
import datetime as dt
import io

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.users.models import UserProfile

from courses.factories import SessionFactory, make_slots
from courses.models import TimetableSlot
from enrolments.factories import EnrolmentFactory, UserFactory
from enrolments.models import Attendance, AttendanceStatus, Enrolment, EnrolmentStatus

TODAY = dt.date.today()


@pytest.fixture
def running_session(course):
    """Two past day slots (9:00–17:00, 8 h each) and one slot in ten days."""
    slots = [*make_slots(TODAY - dt.timedelta(days=10), 2), *make_slots(TODAY + dt.timedelta(days=10), 1)]
    return SessionFactory(course=course, code="IAF-REG-2026-01", slots=slots)


@pytest.fixture
def slots(running_session):
    return list(running_session.slots.order_by("date"))


def enrol(session, first_name, last_name, status=EnrolmentStatus.CONFIRMED):
    learner = UserFactory(first_name=first_name, last_name=last_name, email=f"{first_name.lower()}@example.org")
    return EnrolmentFactory(session=session, learner=learner, status=status)


@pytest.fixture
def enrolments(running_session):
    return {
        "alice": enrol(running_session, "Alice", "Arnaud"),
        "bruno": enrol(running_session, "Bruno", "Bernard", EnrolmentStatus.COMPLETED),
        "chloe": enrol(running_session, "Chloe", "Cordier", EnrolmentStatus.CANCELLED),
        "denis": enrol(running_session, "Denis", "Dupont", EnrolmentStatus.HELD),
    }


def staff(django_user_model, username, group):
    user = django_user_model.objects.create_user(username=username, password="pw", email=f"{username}@x.test")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def manager(client, django_user_model):
    """A programme manager whose admin speaks English (each user's preferred language), logged in."""
    user = staff(django_user_model, "manon", "Programme managers")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(user)
    return user


def url(session, **params):
    base = reverse("enrolments_attendance:register", args=(session.code,))
    return f"{base}?format={params['format']}" if params else base


def field(enrolment, slot) -> str:
    return f"mark-{enrolment.pk}-{slot.pk}"


def selects(html) -> dict[str, dict]:
    """Each select of the register: its current value, whether disabled, and its accessible label."""
    soup = BeautifulSoup(html, "html.parser")
    found = {}
    for select in soup.select("table select"):
        chosen = select.select_one("option[selected]")
        label = soup.select_one(f'label[for="{select["id"]}"]')
        found[select["name"]] = {
            "value": chosen["value"] if chosen else "",
            "disabled": select.has_attr("disabled"),
            "label": label.get_text(strip=True) if label else "",
        }
    return found


def row_texts(html) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [" ".join(row.get_text(" ", strip=True).split()) for row in soup.select("table tbody tr")]


def messages_of(response) -> list[str]:
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


def test_manager_sees_the_session_and_only_the_confirmed_and_completed_learners(
    client, manager, running_session, slots, enrolments
):
    response = client.get(url(running_session))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Apprentissage frugal" in html and "IAF-REG-2026-01" in html
    rows = row_texts(html)
    assert len(rows) == 2
    assert rows[0].startswith("Alice Arnaud alice@example.org")
    assert rows[1].startswith("Bruno Bernard bruno@example.org")
    assert "chloe@example.org" not in html and "denis@example.org" not in html
    cells = selects(html)
    assert len(cells) == 2 * 3
    past, future = slots[0], slots[2]
    assert cells[field(enrolments["alice"], past)]["disabled"] is False
    assert cells[field(enrolments["alice"], future)]["disabled"] is True
    assert cells[field(enrolments["alice"], past)]["label"] == f"Alice Arnaud, {past.date:%m/%d/%Y} 09:00–17:00"


def test_manager_marks_present_and_absent_and_sees_them_saved_with_totals(
    client, manager, running_session, slots, enrolments
):
    alice, bruno = enrolments["alice"], enrolments["bruno"]
    data = {
        field(alice, slots[0]): "present",
        field(alice, slots[1]): "present",
        field(bruno, slots[0]): "absent",
        field(bruno, slots[1]): "present",
    }

    response = client.post(url(running_session), data)

    assert response.status_code == 302 and response["Location"] == url(running_session)
    assert messages_of(response) == ["Attendance saved: 4 changes."]
    page = client.get(url(running_session)).content.decode()
    cells = selects(page)
    assert cells[field(alice, slots[0])]["value"] == "present"
    assert cells[field(bruno, slots[0])]["value"] == "absent"
    assert cells[field(bruno, slots[1])]["value"] == "present"
    assert cells[field(alice, slots[2])]["value"] == ""
    alice_row, bruno_row = row_texts(page)
    assert alice_row.endswith("16.0") and bruno_row.endswith("8.0")
    assert Attendance.objects.get(enrolment=bruno, slot=slots[0]).recorded_by == manager


def test_saving_again_counts_only_the_changes_and_clearing_removes_a_mark(
    client, manager, running_session, slots, enrolments
):
    alice = enrolments["alice"]
    client.post(url(running_session), {field(alice, slots[0]): "present", field(alice, slots[1]): "absent"})

    response = client.post(url(running_session), {field(alice, slots[0]): "present", field(alice, slots[1]): ""})

    assert messages_of(response)[-1] == "Attendance saved: 1 change."
    assert list(Attendance.objects.values_list("slot", "status")) == [(slots[0].pk, AttendanceStatus.PRESENT)]


def test_a_mark_on_a_slot_not_started_is_refused_and_nothing_is_saved(
    client, manager, running_session, slots, enrolments
):
    alice = enrolments["alice"]
    data = {field(alice, slots[0]): "present", field(alice, slots[2]): "excused"}

    response = client.post(url(running_session), data)
    html = response.content.decode()

    assert response.status_code == 200
    assert "Attendance can only be recorded once the slot has started." in html
    assert not Attendance.objects.exists()
    # What was typed is still there, to correct and save again.
    assert selects(html)[field(alice, slots[0])]["value"] == "present"


def test_course_designer_and_learner_are_refused_and_nothing_changes(
    client, django_user_model, running_session, slots, enrolments
):
    designer = staff(django_user_model, "denis", "Course designers")
    learner = enrolments["alice"].learner
    data = {field(enrolments["alice"], slots[0]): "present"}

    for user in (designer, learner):
        client.force_login(user)
        for response in (client.get(url(running_session)), client.post(url(running_session), data)):
            assert response.status_code in (302, 403)
            if response.status_code == 302:
                assert response["Location"] != url(running_session)
    assert not Attendance.objects.exists()


def test_anonymous_visitor_is_sent_to_the_admin_login(client, running_session):
    response = client.get(url(running_session))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_csv_lists_learners_each_slot_status_and_attended_hours(client, manager, running_session, slots, enrolments):
    alice, bruno = enrolments["alice"], enrolments["bruno"]
    client.post(
        url(running_session),
        {field(alice, slots[0]): "present", field(alice, slots[1]): "excused", field(bruno, slots[1]): "absent"},
    )

    response = client.get(url(running_session, format="csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="attendance-IAF-REG-2026-01.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    day = [f"{slot.date:%m/%d/%Y} 09:00–17:00" for slot in slots]
    assert rows == [
        ["Learner", "Email", *day, "Attended hours"],
        ["Alice Arnaud", "alice@example.org", "Present", "Excused absence", "", "8.0"],
        ["Bruno Bernard", "bruno@example.org", "", "Absent", "", "0.0"],
    ]


def test_session_list_and_editor_link_to_the_register(client, manager, running_session):
    register = url(running_session)

    assert register in client.get(reverse("sessions:index")).content.decode()
    assert register in client.get(reverse("sessions:edit", args=(running_session.pk,))).content.decode()


def test_page_queries_do_not_grow_with_learners(client, manager, running_session, slots):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(running_session))
        assert response.status_code == 200
        return len(queries)

    learners = [enrol(running_session, f"L{n}", f"Learner{n:02d}") for n in range(15)]
    for enrolment in learners[5:]:
        enrolment.status = EnrolmentStatus.CANCELLED
        enrolment.save(update_fields=["status"])
    marks = [Attendance(enrolment=e, slot=s, status="present") for e in learners for s in slots[:2]]
    Attendance.objects.bulk_create(marks)
    count_queries()  # warm the caches (permissions, site) once
    with_five = count_queries()

    Enrolment.objects.filter(pk__in=[e.pk for e in learners]).update(status=EnrolmentStatus.CONFIRMED)
    with_fifteen = count_queries()

    assert len(row_texts(client.get(url(running_session)).content.decode())) == 15
    assert with_fifteen == with_five


def test_slots_are_columns_in_timetable_order(client, manager, running_session, enrolments):
    TimetableSlot.objects.create(
        session=running_session,
        date=TODAY - dt.timedelta(days=20),
        start_time=dt.time(14, 0),
        end_time=dt.time(17, 30),
    )

    soup = BeautifulSoup(client.get(url(running_session)).content.decode(), "html.parser")
    headings = [th.get_text(strip=True) for th in soup.select("table thead th")]

    assert headings[2] == f"{TODAY - dt.timedelta(days=20):%m/%d/%Y} 14:00–17:30"
    assert len(headings) == 2 + 4 + 1
