"""The certificate of completion and the certificate of attendance: what the PDFs say, and who may download them."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from pypdf import PdfReader

from courses.factories import SessionFactory, make_slots
from enrolments.documents.certificates import certificate_pdf, realisation_context, realisation_pdf
from enrolments.factories import EnrolmentFactory, UserFactory
from enrolments.models import Attendance, AttendanceStatus, EnrolmentStatus

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
COMPLETED_AT = dt.datetime(2027, 4, 2, 18, 0, tzinfo=PARIS)
CRITERIA = [
    {
        "type": 4,
        "title": "Activity completion",
        "status": "Yes",
        "complete": True,
        "timecompleted": int(COMPLETED_AT.timestamp()),
        "details": {
            "type": "Activity completion",
            "criteria": '<a href="https://moodle.example/mod/quiz/view.php?id=7">Quiz final</a>',
            "requirement": "Achieving grade",
            "status": "Yes",
        },
    },
    {
        "type": 2,
        "title": "Completion by date",
        "status": "No",
        "complete": False,
        "timecompleted": None,
        "details": {"type": "Date", "criteria": "", "requirement": "", "status": ""},
    },
]


@pytest.fixture(autouse=True)
def keep_the_active_language():
    """A request activates its page's language for the thread: give the next tests back the language they had."""
    with translation.override(translation.get_language()):
        yield


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with runs of whitespace (including non-breaking spaces) as one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def long_date(value, language="fr") -> str:
    with translation.override(language):
        return date_format(value, "DATE_FORMAT")


@pytest.fixture
def timetabled(course):
    """Three mornings of 9:00–12:30 (10.5 hours) in March 2027."""
    start = dt.date(2027, 3, 29)
    return SessionFactory(
        course=course, code="IAF-TST-2027-03", start=start, slots=make_slots(start, 3, end_time=dt.time(12, 30))
    )


@pytest.fixture
def completed(timetabled, learner):
    learner.employer_name = "Acme Robotique"
    learner.save()
    return EnrolmentFactory(
        session=timetabled,
        learner=learner,
        status=EnrolmentStatus.COMPLETED,
        completed_at=COMPLETED_AT,
        completion_details=CRITERIA,
    )


def test_the_certificate_of_completion_names_learner_course_objectives_hours_and_results(completed):
    text = pdf_text(certificate_pdf(completed))

    assert "Camille Martin" in text
    assert "Apprentissage frugal" in text
    assert "IAF-TST-2027-03" in text
    assert "Savoir entraîner un modèle sobre." in text  # the course's objectives
    assert "L6313-1" in text
    assert "L6353-1" in text
    assert "10,5" in text  # hours, written the French way
    assert "Activity completion: Quiz final" in text
    assert "Achieving grade" in text
    assert "Completion by date" in text
    assert "<a" not in text
    assert long_date(dt.date(2027, 3, 29)) in text
    assert long_date(dt.date(2027, 3, 31)) in text
    assert long_date(COMPLETED_AT.date()) in text  # the date it is made
    assert "Lyon" in text  # the place it is made
    assert "ALLyS Formation (ENS de Lyon)" in text
    assert "84 69 00000 69" in text


def test_the_certificate_of_attendance_follows_the_ministry_model(completed, settings):
    settings.SELLER = {**settings.SELLER, "signatory_name": "Dominique Durand", "signatory_title": "Directrice"}

    text = pdf_text(realisation_pdf(completed))

    assert "Certificat de réalisation" in text
    assert "Dominique Durand" in text
    assert "Directrice" in text
    assert "ALLyS Formation (ENS de Lyon)" in text
    assert "Camille Martin" in text
    assert "Acme Robotique" in text  # the learner's employer
    assert "Apprentissage frugal" in text
    assert "☒" in text and text.count("☐") == 3  # the nature: training action ticked, the three others not
    assert long_date(dt.date(2027, 3, 29)) in text
    assert long_date(dt.date(2027, 3, 31)) in text
    assert text.count("10,5") == 2  # the action's duration and the hours attended
    assert "SIRET 19694123100019" in text
    assert long_date(COMPLETED_AT.date()) in text
    assert "Lyon" in text


def test_the_certificate_of_attendance_states_the_hours_the_register_marks_present(completed, timetabled):
    first, second, third = timetabled.slots.order_by("date")
    Attendance.objects.create(enrolment=completed, slot=first, status=AttendanceStatus.PRESENT)
    Attendance.objects.create(enrolment=completed, slot=second, status=AttendanceStatus.ABSENT)
    Attendance.objects.create(enrolment=completed, slot=third, status=AttendanceStatus.PRESENT)

    text = pdf_text(realisation_pdf(completed))

    assert "pour une durée de 10,5 heures" in text  # the action's duration is unchanged
    assert text.count("10,5") == 1
    assert "7 heures" in text  # two mornings of 3.5 hours, the third one absent
    assert str(realisation_context(completed)["attended_hours"]) == "7.0"


def test_without_a_register_the_certificate_of_attendance_counts_the_whole_timetable(completed):
    context = realisation_context(completed)

    assert context["attended_hours"] == context["duration_hours"] == 10.5


def test_the_certificates_are_in_the_learners_language(completed, learner):
    learner.language = "en"
    learner.save()

    for pdf in (certificate_pdf(completed), realisation_pdf(completed)):
        text = pdf_text(pdf)
        assert "10.5 hours" in text
        assert "March 29, 2027" in text


def test_without_criteria_the_certificate_still_states_the_completion(timetabled, learner):
    enrolment = EnrolmentFactory(
        session=timetabled, learner=learner, status=EnrolmentStatus.COMPLETED, completed_at=COMPLETED_AT
    )
    learner.language = "en"
    learner.save()

    text = pdf_text(certificate_pdf(enrolment))

    assert "The learner met the completion requirements of the course" in text


# --- the views -------------------------------------------------------------


def url(name: str, enrolment) -> str:
    with translation.override("en"):
        return reverse(f"dashboard:{name}", args=[enrolment.public_id])


@pytest.mark.parametrize(("name", "filename"), [("certificate", "attestation"), ("realisation", "certificat")])
def test_the_learner_downloads_their_certificates(client, completed, learner, name, filename):
    client.force_login(learner)

    response = client.get(url(name, completed))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{filename}' in response["Content-Disposition"]
    assert "Camille Martin" in pdf_text(response.content)


@pytest.mark.parametrize("name", ["certificate", "realisation"])
def test_someone_else_gets_a_404(client, completed, name):
    client.force_login(UserFactory())

    assert client.get(url(name, completed)).status_code == 404


@pytest.mark.parametrize("name", ["certificate", "realisation"])
def test_a_course_not_completed_has_no_certificate(client, session, learner, name):
    confirmed = EnrolmentFactory(session=session, learner=learner)
    client.force_login(learner)

    assert client.get(url(name, confirmed)).status_code == 404


@pytest.mark.parametrize("name", ["certificate", "realisation"])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, completed, name):
    response = client.get(url(name, completed))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_dashboard_links_both_certificates_of_a_completed_enrolment(client, completed, learner):
    client.force_login(learner)
    with translation.override("en"):
        home = reverse("dashboard:home")

    soup = BeautifulSoup(client.get(home).content, "html.parser")

    hrefs = {a["href"] for a in soup.select(f"#enrolment-{completed.public_id} a")}
    assert {url("certificate", completed), url("realisation", completed)} <= hrefs


def test_the_dashboard_shows_no_certificate_before_completion(client, session, learner):
    enrolment = EnrolmentFactory(session=session, learner=learner)
    client.force_login(learner)
    with translation.override("en"):
        home = reverse("dashboard:home")

    soup = BeautifulSoup(client.get(home).content, "html.parser")

    hrefs = {a["href"] for a in soup.select(f"#enrolment-{enrolment.public_id} a")}
    assert hrefs
    assert url("certificate", enrolment) not in hrefs
    assert url("realisation", enrolment) not in hrefs


def test_the_documents_page_links_both_certificates(client, completed, learner):
    client.force_login(learner)
    with translation.override("en"):
        page = reverse("dashboard:documents")

    soup = BeautifulSoup(client.get(page).content, "html.parser")

    hrefs = {a["href"] for a in soup.find_all("a")}
    assert {url("certificate", completed), url("realisation", completed)} <= hrefs
