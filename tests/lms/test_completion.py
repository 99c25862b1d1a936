"""Completion pulled from the LMS: who is asked, what a completed learner gets, and what is left alone."""

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from pypdf import PdfReader

from courses.factories import SessionFactory
from enrolments.factories import UserFactory
from enrolments.models import EnrolmentStatus
from enrolments.services.completion import complete_enrolment
from enrolments.services.errors import TransitionNotAllowed
from lms.backends import dummy
from lms.backends.base import CompletionState, CompletionStatus
from lms.backends.dummy import DummyBackend
from lms.completion import pull_completion
from lms.completion_tasks import pull_completion_task
from lms.desired import user_idnumber
from lms.drain import drain
from lms.models import OutboxItem, OutboxKind, OutboxStatus
from lms.moodle.errors import ConfigurationError, TransientError

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
FINISHED_AT = int(dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC).timestamp())
CRITERIA = (
    {
        "type": 4,
        "title": "Activity completion",
        "status": "Yes",
        "complete": True,
        "timecompleted": FINISHED_AT,
        "details": {"type": "Activity completion", "criteria": '<a href="/mod/quiz">Final quiz</a>', "requirement": ""},
    },
)


@pytest.fixture(autouse=True)
def keep_the_active_language():
    """A request activates its page's language for the thread: give the next tests back the language they had."""
    with translation.override(translation.get_language()):
        yield


class RecordingBackend(DummyBackend):
    """The dummy LMS; remembers the pairs it was asked about, and gives the scripted answer for some."""

    def __init__(self, *args, answers=None, fail=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked = []
        self.answers = answers or {}  # (course, user) -> CompletionStatus
        self.fail = fail

    def completion(self, pairs):
        if self.fail:
            raise self.fail
        self.asked.append(list(pairs))
        return [self.answers.get((a.course_idnumber, a.user_idnumber), a) for a in super().completion(pairs)]


def answer(enrolment, state, **kwargs):
    """A scripted answer about ``enrolment``, for ``RecordingBackend(answers=…)``."""
    return {pair(enrolment): CompletionStatus(*pair(enrolment), state, **kwargs)}


@pytest.fixture
def finished(course):
    """A 2-day session that ended yesterday."""
    return SessionFactory(course=course, code="IAF-TST-2026-11", start=timezone.localdate() - dt.timedelta(days=2))


@pytest.fixture
def enrolment(finished, learner, confirm):
    enrolment = confirm(learner, finished)
    drain(backend=DummyBackend())  # Moodle now holds the enrolment
    return enrolment


def pair(enrolment):
    return enrolment.session.code, user_idnumber(enrolment.learner_id)


def complete_in_moodle(enrolment, when=FINISHED_AT):
    dummy.mark_completed(*pair(enrolment), when)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_a_completed_learner_is_marked_completed_with_the_lms_date(enrolment, django_capture_on_commit_callbacks):
    complete_in_moodle(enrolment)

    with django_capture_on_commit_callbacks(execute=True):
        report = pull_completion()

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert enrolment.completed_at == dt.datetime.fromtimestamp(FINISHED_AT, tz=dt.UTC)
    assert (report.checked, report.completed, report.in_progress, report.unknown) == (1, 1, 0, 0)


def test_the_lms_criteria_are_kept_for_the_certificate(enrolment):
    backend = RecordingBackend(
        answers=answer(enrolment, CompletionState.COMPLETED, completed_at=FINISHED_AT, details=CRITERIA)
    )

    pull_completion(backend=backend)

    enrolment.refresh_from_db()
    assert enrolment.completion_details == list(CRITERIA)


def test_the_learner_is_emailed_links_to_both_certificates_that_open_as_pdfs(
    enrolment, learner, client, django_capture_on_commit_callbacks
):
    complete_in_moodle(enrolment)

    with django_capture_on_commit_callbacks(execute=True):
        pull_completion()

    [message] = mail.outbox
    assert message.to == ["Camille.Martin@example.org"]
    assert "Apprentissage frugal" in message.subject
    hrefs = [a["href"] for a in BeautifulSoup(message.alternatives[0][0], "html.parser").find_all("a")]
    links = [h for h in hrefs if h.endswith(".pdf")]
    assert len(links) == 2
    for link in links:
        assert link in message.body
        assert link.startswith("http://testserver/mon-espace/documents/")
    client.force_login(learner)
    for link in links:
        response = client.get(link.removeprefix("http://testserver"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content)
        assert "Camille Martin" in text
        assert "Apprentissage frugal" in text
        assert re.search(r"\b16 h", text)  # two days of 9:00–17:00


def test_unknown_and_in_progress_leave_the_enrolment_confirmed(finished, learner, confirm):
    first = confirm(learner, finished)
    second = confirm(UserFactory(), finished)
    drain(backend=DummyBackend())
    backend = RecordingBackend(answers=answer(second, CompletionState.IN_PROGRESS))

    report = pull_completion(backend=backend)

    for enrolment in (first, second):
        enrolment.refresh_from_db()
        assert enrolment.status == EnrolmentStatus.CONFIRMED
        assert enrolment.completed_at is None
    assert (report.checked, report.completed, report.in_progress, report.unknown) == (2, 0, 1, 1)
    assert mail.outbox == []


def test_sessions_not_started_or_ended_too_long_ago_are_not_asked(course, session, learner, confirm, settings):
    settings.MOODLE_COMPLETION_LOOKBACK_DAYS = 60
    long_ago = SessionFactory(course=course, code="IAF-OLD", start=timezone.localdate() - dt.timedelta(days=70))
    recent = SessionFactory(course=course, code="IAF-RECENT", start=timezone.localdate() - dt.timedelta(days=50))
    running = SessionFactory(course=course, code="IAF-RUNNING", start=timezone.localdate(), days=3)
    for each in (session, long_ago, recent, running):
        confirm(learner, each)
    drain(backend=DummyBackend())
    backend = RecordingBackend()

    pull_completion(backend=backend, now=dt.datetime.combine(timezone.localdate(), dt.time(12), tzinfo=PARIS))

    assert [course for course, _user in backend.asked[0]] == ["IAF-RECENT", "IAF-RUNNING"]


def test_an_enrolment_moodle_does_not_hold_yet_is_not_asked(enrolment, finished, confirm):
    other = confirm(UserFactory(), finished)
    OutboxItem.objects.filter(kind=OutboxKind.ENROLMENT, key__endswith=f"-{other.learner_id}@{finished.code}").update(
        status=OutboxStatus.PENDING
    )
    backend = RecordingBackend()

    pull_completion(backend=backend)

    assert backend.asked == [[pair(enrolment)]]


def test_pairs_are_asked_in_batches_of_200(finished, confirm, monkeypatch):
    monkeypatch.setattr("lms.completion.BATCH_SIZE", 2)
    for _ in range(5):
        confirm(UserFactory(), finished)
    drain(backend=DummyBackend())
    backend = RecordingBackend()

    report = pull_completion(backend=backend)

    assert [len(batch) for batch in backend.asked] == [2, 2, 1]
    assert report.checked == 5


def test_a_second_pull_changes_nothing_and_sends_no_second_email(enrolment, django_capture_on_commit_callbacks):
    complete_in_moodle(enrolment)
    with django_capture_on_commit_callbacks(execute=True):
        pull_completion()

    with django_capture_on_commit_callbacks(execute=True):
        report = pull_completion()

    assert report.completed == 0
    assert len(mail.outbox) == 1
    enrolment.refresh_from_db()
    assert enrolment.completed_at == dt.datetime.fromtimestamp(FINISHED_AT, tz=dt.UTC)


def test_a_completion_without_a_date_is_dated_now(enrolment):
    now = timezone.now()
    backend = RecordingBackend(answers=answer(enrolment, CompletionState.COMPLETED))

    pull_completion(backend=backend, now=now)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert enrolment.completed_at == now


@pytest.mark.parametrize("error", [TransientError("timed out"), ConfigurationError("bad", errorcode="invalidtoken")])
def test_moodle_wide_errors_propagate(enrolment, error):
    with pytest.raises(type(error)):
        pull_completion(backend=RecordingBackend(fail=error))

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CONFIRMED


def test_the_task_reports_counts(enrolment, django_capture_on_commit_callbacks):
    complete_in_moodle(enrolment)

    with django_capture_on_commit_callbacks(execute=True):
        result = pull_completion_task.enqueue()

    assert result.return_value == {"checked": 1, "completed": 1, "in_progress": 0, "unknown": 0}


def test_the_task_logs_a_moodle_error_and_stops(enrolment, monkeypatch, caplog):
    failing = RecordingBackend(fail=ConfigurationError("Invalid token", errorcode="invalidtoken"))
    monkeypatch.setattr("lms.completion.get_backend", lambda known=None: failing)

    result = pull_completion_task.enqueue()

    assert "invalidtoken" in result.return_value["error"]
    assert "Moodle completion pull stopped" in caplog.text


def test_the_command_prints_the_counts(enrolment, capsys):
    complete_in_moodle(enrolment)

    call_command("moodle_completion")

    out = capsys.readouterr().out
    assert "checked: 1" in out
    assert "completed: 1" in out
    assert "in progress: 0" in out
    assert "unknown: 0" in out


def test_the_command_asks_about_one_session_even_an_old_one(course, learner, confirm, capsys):
    old = SessionFactory(course=course, code="IAF-OLD", start=timezone.localdate() - dt.timedelta(days=200))
    enrolment = confirm(learner, old)
    drain(backend=DummyBackend())
    complete_in_moodle(enrolment)

    call_command("moodle_completion", "--session", "IAF-OLD")

    assert "completed: 1" in capsys.readouterr().out
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_the_command_ends_with_one_line_and_status_1_on_a_moodle_error(enrolment, monkeypatch):
    failing = RecordingBackend(fail=TransientError("Moodle did not answer within 30 s"))
    monkeypatch.setattr("lms.management.commands.moodle_completion.get_backend", lambda known=None: failing)

    # manage.py prints a CommandError as "CommandError: <message>", without a traceback, and exits with its returncode.
    with pytest.raises(CommandError) as error:
        call_command("moodle_completion")

    assert error.value.returncode == 1
    assert str(error.value) == "Moodle: Moodle did not answer within 30 s"
    assert error.value.__cause__ is None and error.value.__suppress_context__


def test_completing_an_enrolment_twice_changes_nothing_the_second_time(enrolment, django_capture_on_commit_callbacks):
    first_time = dt.datetime(2026, 11, 20, 17, 0, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        assert complete_enrolment(enrolment, completed_at=first_time, details=list(CRITERIA)) is True
        assert complete_enrolment(enrolment, completed_at=timezone.now(), details=[]) is False

    enrolment.refresh_from_db()
    assert enrolment.completed_at == first_time
    assert enrolment.completion_details == list(CRITERIA)
    assert len(mail.outbox) == 1


def test_a_withdrawn_enrolment_cannot_be_completed(enrolment):
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.save()

    with pytest.raises(TransitionNotAllowed):
        complete_enrolment(enrolment, completed_at=timezone.now(), details=[])
