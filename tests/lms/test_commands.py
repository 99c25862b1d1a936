"""``moodle_sync`` and ``moodle_check`` as an administrator runs them: what they print and their exit status."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation

from enrolments.factories import UserFactory
from lms import backends
from lms.backends.moodle import MoodleBackend
from lms.management.commands import moodle_sync
from lms.models import OutboxItem, OutboxKind, OutboxStatus
from lms.moodle.client import MoodleClient
from tests.fakes.moodle import FakeMoodle

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake():
    return FakeMoodle()


@pytest.fixture
def use_fake(monkeypatch, fake):
    """Make the commands talk to the fake Moodle, through the backend factory."""

    def connect(url="http://moodle.test", token="fake-token"):  # noqa: S107
        client = MoodleClient(url, token, transport=fake.transport())
        monkeypatch.setattr(backends, "get_backend", lambda *args, **kwargs: MoodleBackend(client=client))

    connect()
    return connect


@pytest.fixture
def learners(session, confirm):
    people = [UserFactory(email=f"learner-{i}@example.org") for i in range(3)]
    for person in people:
        confirm(person, session)
    return people


def run(*args):
    """(exit status, stdout, stderr) of a command."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with translation.override("en"):
            call_command(*args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    return status, out.getvalue(), err.getvalue()


def table(output):
    """The summary table's rows, as lists of cells, by kind."""
    rows = [[cell.strip() for cell in line.split("|")] for line in output.splitlines() if line.count("|") == 4]
    return {row[0]: row[1:] for row in rows}


# --- moodle_sync -----------------------------------------------------------------


def test_sync_prints_a_table_of_what_it_did_and_what_it_cost(use_fake, learners):
    status, out, err = run("moodle_sync")
    assert status == 0
    rows = table(out)
    assert rows["kind"] == ["created", "updated", "unchanged", "failed"]
    assert rows["courses"] == ["1", "0", "0", "0"]
    assert rows["users"] == ["3", "0", "0", "0"]
    assert rows["enrolments"] == ["3", "0", "0", "0"]
    assert "web-service calls in" in out
    assert err == ""


def test_sync_twice_says_moodle_is_up_to_date(use_fake, learners):
    run("moodle_sync")
    status, out, _err = run("moodle_sync")
    assert status == 0
    assert table(out)["enrolments"] == ["0", "0", "3", "0"]
    assert "Moodle is up to date." in out


def test_dry_run_says_what_it_would_do_and_writes_nothing(use_fake, fake, learners):
    status, out, _err = run("moodle_sync", "--dry-run")
    assert status == 0
    assert "Dry run: nothing was written" in out
    rows = table(out)
    assert rows["kind"] == ["would create", "would update", "unchanged", "failed"]
    assert rows["users"] == ["3", "0", "0", "0"]
    assert fake.courses == {}


def test_session_limits_the_sync(use_fake, fake, learners, course):
    from courses.factories import SessionFactory

    other = SessionFactory(course=course, code="IAF-TST-OTHER")
    status, out, _err = run("moodle_sync", "--session", other.code)
    assert status == 0
    assert table(out)["courses"] == ["1", "0", "0", "0"]
    assert table(out)["users"] == ["0", "0", "0", "0"]
    assert fake.course_by_idnumber(other.code) is not None


def test_an_unknown_session_is_one_clear_error(use_fake, session):
    from django.core.management.base import CommandError

    with translation.override("en"), pytest.raises(CommandError, match="No session has the code NOPE"):
        call_command("moodle_sync", "--session", "NOPE", stdout=io.StringIO())


def test_refused_items_are_listed(use_fake, fake, learners):
    fake.add_user("someone-else", email=learners[0].email, idnumber="another-platform-42")
    status, out, _err = run("moodle_sync")
    assert status == 0
    assert table(out)["users"] == ["2", "0", "0", "1"]
    assert "Refused by Moodle" in out
    assert f"users allys-{learners[0].pk}: [idnumbertaken]" in out


def test_a_long_run_shows_its_progress_on_stderr(use_fake, learners, monkeypatch):
    monkeypatch.setattr(moodle_sync.ProgressBar, "min_total", 1)
    _status, _out, err = run("moodle_sync")
    lines = err.splitlines()
    assert lines[0].startswith("categories")
    assert lines[-1].endswith("100% (8/8)")  # 1 category, 1 course, 3 users, 3 enrolments


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_the_progress_bar_is_redrawn_in_place():
    from django.core.management.base import OutputWrapper

    stream = Terminal()
    bar = moodle_sync.ProgressBar(OutputWrapper(stream))
    with translation.override("en"):
        bar("user", 250, 1000)
        bar("enrolment", 1000, 1000)
    assert stream.getvalue() == (
        "\r[########----------------------] users        25% (250/1000)\033[K"
        "\r[##############################] enrolments  100% (1000/1000)\033[K\n"
    )


def test_moodle_unreachable_is_one_line_and_exit_status_1(use_fake, fake, learners):
    fake.fail("down")
    status, out, err = run("moodle_sync")
    assert status == 1
    assert err.startswith("Moodle unreachable: ")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_configuration_error_sends_to_moodle_check(use_fake, fake, learners):
    fake.fail("invalidtoken")
    status, _out, err = run("moodle_sync")
    assert status == 1
    assert "invalidtoken" in err
    assert "moodle_check" in err
    assert len(err.strip().splitlines()) == 1


def test_drain_sends_the_outbox_and_prints_the_counts(use_fake, fake, learners):
    status, out, _err = run("moodle_sync", "--drain")
    assert status == 0
    assert "synced: 8, failed: 0, dead: 0, waiting: 0" in out  # 1 category, 1 course, 3 users, 3 enrolments
    assert not OutboxItem.objects.exclude(status=OutboxStatus.SYNCED).exists()
    assert len(fake.enrolments) == 3


def test_drain_with_moodle_down_keeps_the_rows_and_exits_1(use_fake, fake, learners):
    fake.fail("down")
    status, out, err = run("moodle_sync", "--drain")
    assert status == 1
    assert "synced: 0" in out
    assert err.startswith("Moodle unreachable")
    assert OutboxItem.objects.filter(kind=OutboxKind.ENROLMENT, status=OutboxStatus.FAILED).count() == 3


def test_with_the_export_off_there_is_nothing_to_do(settings, learners):
    settings.LMS_BACKEND = "off"
    status, out, _err = run("moodle_sync")
    assert status == 0
    assert "The Moodle export is off" in out


def test_the_dummy_backend_works_offline(learners):
    status, out, _err = run("moodle_sync")
    assert status == 0
    assert table(out)["enrolments"] == ["3", "0", "0", "0"]
    assert "0 web-service calls" in out


# --- moodle_check ----------------------------------------------------------------


def test_check_reports_the_site_and_passes_on_a_well_set_up_moodle(use_fake):
    status, out, err = run("moodle_check")
    assert status == 0, err
    assert "Moodle site: " in out
    assert "URL: http://moodle.test" in out
    assert "Release: 4.5.2" in out
    assert "Web-service user: wsuser" in out
    assert "The token's service has the 19 functions" in out
    assert "MOODLE_STUDENT_ROLE_ID=5 is the student role" in out
    assert "heuristic" in out


def test_check_lists_the_functions_missing_from_the_service(monkeypatch):
    from tests.fakes.moodle.store import FUNCTIONS

    fake = FakeMoodle(functions=set(FUNCTIONS) - {"core_user_update_users", "core_group_get_course_groups"})
    client = MoodleClient("http://moodle.test", "fake-token", transport=fake.transport())
    monkeypatch.setattr(backends, "get_backend", lambda *args, **kwargs: MoodleBackend(client=client))
    status, out, _err = run("moodle_check")
    assert status == 1
    assert "2 functions are missing from the token's service" in out
    assert "  - core_user_update_users" in out
    assert "  - core_group_get_course_groups" in out


@pytest.mark.parametrize("role_id, role", [(1, "manager"), (3, "editing teacher"), (4, "teacher")])
def test_check_warns_when_the_student_role_is_a_staff_role(use_fake, fake, monkeypatch, role_id, role):
    client = MoodleClient("http://moodle.test", "fake-token", transport=fake.transport())
    backend = MoodleBackend(client=client, student_role_id=role_id)
    monkeypatch.setattr(backends, "get_backend", lambda *args, **kwargs: backend)
    status, out, _err = run("moodle_check")
    assert status == 1
    assert f"WARNING MOODLE_STUDENT_ROLE_ID={role_id} is the {role} role" in out


def test_check_explains_an_invalid_token(use_fake):
    use_fake(token="not-the-token")
    status, _out, err = run("moodle_check")
    assert status == 1
    assert "Moodle does not know this token (invalidtoken): check MOODLE_TOKEN" in err


def test_check_explains_a_redirect_as_a_wrong_wwwroot(use_fake):
    use_fake(url="http://www.moodle.test")
    status, _out, err = run("moodle_check")
    assert status == 1
    assert "MOODLE_URL is not Moodle's wwwroot" in err


def test_check_explains_403_as_web_services_disabled(use_fake, fake):
    fake.fail("403")
    status, _out, err = run("moodle_check")
    assert status == 1
    assert "web services or the REST protocol are disabled" in err


def test_check_explains_a_function_missing_for_site_info(use_fake, fake):
    fake.functions.discard("core_webservice_get_site_info")
    status, _out, err = run("moodle_check")
    assert status == 1
    assert "(accessexception)" in err
    assert "External services" in err


def test_check_explains_an_html_answer(use_fake, fake):
    fake.fail("html")
    status, _out, err = run("moodle_check")
    assert status == 1
    assert "not a Moodle site, or Moodle is in maintenance mode" in err
    assert len(err.strip().splitlines()) == 1


def test_check_explains_a_timeout(use_fake, fake):
    fake.fail("timeout")
    status, _out, err = run("moodle_check")
    assert status == 1
    assert "Moodle did not answer in time" in err


def test_check_explains_an_unset_url(settings):
    settings.LMS_BACKEND = "moodle"
    settings.MOODLE_URL = ""
    settings.MOODLE_TOKEN = "some-token"  # noqa: S105
    status, _out, err = run("moodle_check")
    assert status == 1
    assert err.strip() == "ERROR MOODLE_URL is not set: set it to Moodle's wwwroot, e.g. https://moodle.example.org."


def test_check_explains_an_unset_token(settings):
    settings.LMS_BACKEND = "moodle"
    settings.MOODLE_URL = "https://moodle.example.org"
    settings.MOODLE_TOKEN = ""
    status, _out, err = run("moodle_check")
    assert status == 1
    assert "MOODLE_TOKEN is not set" in err


def test_check_names_a_single_missing_function_in_the_singular(monkeypatch):
    from tests.fakes.moodle.store import FUNCTIONS

    fake = FakeMoodle(functions=set(FUNCTIONS) - {"core_user_update_users"})
    client = MoodleClient("http://moodle.test", "fake-token", transport=fake.transport())
    monkeypatch.setattr(backends, "get_backend", lambda *args, **kwargs: MoodleBackend(client=client))
    status, out, _err = run("moodle_check")
    assert status == 1
    assert "1 function is missing from the token's service; add it in" in out
    assert "  - core_user_update_users" in out
