"""The Moodle export's cost in web-service calls: ``python -m bench.moodle`` (or ``make bench-moodle``).

BENCH_MOODLE_ENROLMENTS (1,000) confirmed enrolments, one learner each, spread over
BENCH_MOODLE_SESSIONS (50) sessions, are queued in the outbox as the signals would
queue them, then drained (``lms.drain.drain``) with the Moodle backend into the fake
Moodle, served on loopback with BENCH_MOODLE_LATENCY_MS (20) ms per call. Then the
naive baseline, on a fresh fake: one call per operation (for each enrolment, look up
the user, create it if missing, look up the course, create it if missing, enrol), with
``MoodleClient`` directly. Prints both call counts, wall times and the ratio, writes
bench/results/moodle.json, and exits non-zero when the drain used more than 1/20 of
the baseline's calls or left Moodle incomplete. A quick run (CI): 200 enrolments over 10
sessions with no latency; below about 100 enrolments the fixed cost of reading Moodle first
puts the 1/20 target out of reach.

Each run adds its own courses, sessions and learners (named after the time) to the
bench database, like ``bench.reservations``: a SQLite file under ``$ALLYS_VAR_DIR/bench/``
(migrated once, then reused; WAL without a disk sync per commit), or BENCH_DATABASE_URL,
whose name must contain "bench" because the run empties its Moodle outbox first.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.config import BASE_DIR, RESULTS_DIR, env_int

# The drain must use at most this fraction of the naive baseline's calls.
MAX_CALL_RATIO = 1 / 20
TOKEN = "bench-token"  # noqa: S105 (the fake Moodle's token)


@dataclass
class Measure:
    calls: int
    seconds: float


def configure() -> None:
    """Point Django at the bench database (a SQLite file under var/bench/, or BENCH_DATABASE_URL), and set it up."""
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))  # tests.fakes lives beside the project's apps
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if url and "bench" not in url.rsplit("/", 1)[-1]:
        raise SystemExit("BENCH_DATABASE_URL must name a database containing 'bench': its outbox is emptied")
    if not url:
        # Reused from run to run: migrating a new database takes a minute.
        var_dir = Path(os.environ.get("ALLYS_VAR_DIR", BASE_DIR / "var"))
        (var_dir / "bench").mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{var_dir / 'bench' / 'moodle.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_DEBUG"] = "false"
    # The signals queue nothing: the bench queues the outbox itself, and drains it once.
    os.environ["ALLYS_LMS_BACKEND"] = "off"
    os.environ["ALLYS_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    import django

    django.setup()
    from django.db.backends.signals import connection_created

    connection_created.connect(_fast_sqlite)
    for name in ("httpx", "django_tasks", "wagtail"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _fast_sqlite(sender, connection, **kwargs) -> None:
    """WAL without a disk sync per commit: otherwise the drain's row-by-row commits measure the disk, not the code."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")


def prepare(enrolments: int, sessions: int) -> list:
    """Courses, sessions, learners and confirmed enrolments, queued in the outbox; returns the sessions."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone
    from wagtail.models import Page

    from catalogue.factories import CoursePageFactory
    from courses.factories import SessionFactory
    from enrolments.factories import LegalTextFactory
    from enrolments.models import Enrolment, EnrolmentStatus, LegalTextKind, User
    from lms import outbox
    from lms.models import OutboxItem, QueueState

    call_command("migrate", verbosity=0)
    OutboxItem.objects.all().delete()
    QueueState.objects.all().delete()  # a pause left by an earlier run
    stamp = time.strftime("%Y%m%d%H%M%S")
    parent = Page.get_first_root_node()
    courses = [
        CoursePageFactory(parent=parent, title=f"Bench Moodle {stamp} {i}", slug=f"bench-moodle-{stamp}-{i}")
        for i in range(max(1, sessions // 10))
    ]
    start = dt.date.today() + dt.timedelta(days=30)
    runs = [
        SessionFactory(course=courses[i % len(courses)], code=f"BM-{stamp}-{i:03d}", start=start + dt.timedelta(i))
        for i in range(sessions)
    ]
    User.objects.bulk_create(
        User(
            username=f"bench-moodle-{stamp}-{i}",
            email=f"bench.moodle.{stamp}.{i}@example.org",
            first_name="Bench",
            last_name=f"Learner {i}",
        )
        for i in range(enrolments)
    )
    learners = list(User.objects.filter(username__startswith=f"bench-moodle-{stamp}-").order_by("pk"))
    terms = LegalTextFactory(kind=LegalTextKind.TERMS_OF_SALE)
    rules = LegalTextFactory(kind=LegalTextKind.INTERNAL_RULES)
    now = timezone.now()
    Enrolment.objects.bulk_create(
        Enrolment(
            session=runs[i % sessions],
            learner=learner,
            status=EnrolmentStatus.CONFIRMED,
            terms=terms,
            internal_rules=rules,
            accepted_at=now,
            confirmed_at=now,
        )
        for i, learner in enumerate(learners)
    )
    # What the signals queue: each session's course, then each confirmed enrolment (and its user).
    for session in runs:
        outbox.queue_session(session)
    for i, learner in enumerate(learners):
        outbox.queue_enrolment(learner, runs[i % sessions])
    return runs


def measure_drain(fake, expected_enrolments: int) -> tuple[Measure, list[str]]:
    """Drain the outbox into the served fake; returns the cost and what went wrong, if anything."""
    from lms.backends.base import KnownIds
    from lms.backends.moodle import MoodleBackend
    from lms.drain import drain
    from lms.models import OutboxItem, OutboxStatus
    from lms.moodle.client import MoodleClient

    problems = []
    with fake.serve() as url, MoodleClient(url, TOKEN) as client:
        backend = MoodleBackend(client=client, known=KnownIds(), url=url)
        started = time.perf_counter()
        for _ in range(20):  # passes, until nothing is due
            report = drain(backend=backend)
            if report.stopped or report.paused:
                problems.append(f"drain stopped: {report.stopped or 'paused'}")
                break
            if report.sent == 0 and report.waiting == 0:
                break
        seconds = time.perf_counter() - started
    unsynced = OutboxItem.objects.exclude(status=OutboxStatus.SYNCED).count()
    if unsynced:
        problems.append(f"{unsynced} outbox rows not in sync")
    if len(fake.enrolments) != expected_enrolments:
        problems.append(f"Moodle holds {len(fake.enrolments)} enrolments, not {expected_enrolments}")
    return Measure(backend.calls, seconds), problems


def measure_naive(fake, sessions: list) -> Measure:
    """One call per operation, as a first integration would do it."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from lms import desired
    from lms.moodle.client import MoodleClient

    specs = desired.session_enrolment_specs(sessions)
    learners = get_user_model().objects.filter(enrolments__session__in=sessions).distinct()
    users = {spec.idnumber: spec for spec in map(desired.user_spec, learners)}
    courses = {spec.idnumber: spec for spec in map(desired.course_spec, sessions)}
    with fake.serve() as url, MoodleClient(url, TOKEN) as client:
        started = time.perf_counter()
        for enrolment in specs:
            user = users[enrolment.user_idnumber]
            found = client.call("core_user_get_users_by_field", field="idnumber", values=[user.idnumber])
            if found:
                user_id = found[0]["id"]
            else:
                fields = {"username": user.email.lower(), "createpassword": 1, "auth": "manual"}
                fields |= {"idnumber": user.idnumber, "firstname": user.firstname, "lastname": user.lastname}
                fields |= {"email": user.email, "lang": user.lang}
                user_id = client.call("core_user_create_users", users=[fields])[0]["id"]
            course = courses[enrolment.course_idnumber]
            found = client.call("core_course_get_courses_by_field", field="idnumber", value=course.idnumber)["courses"]
            if found:
                course_id = found[0]["id"]
            else:
                fields = {"fullname": course.fullname, "shortname": course.shortname, "idnumber": course.idnumber}
                fields |= {"categoryid": 1, "summary": course.summary, "summaryformat": 1}
                fields |= {"startdate": course.startdate, "enddate": course.enddate, "lang": course.lang}
                course_id = client.call("core_course_create_courses", courses=[fields])[0]["id"]
            item = {"roleid": settings.MOODLE_STUDENT_ROLE_ID, "userid": user_id, "courseid": course_id}
            item |= {"timestart": enrolment.timestart, "timeend": enrolment.timeend}
            client.call("enrol_manual_enrol_users", enrolments=[item])
        return Measure(client.calls, time.perf_counter() - started)


def main() -> int:
    enrolments = env_int("BENCH_MOODLE_ENROLMENTS", 1000)
    sessions = env_int("BENCH_MOODLE_SESSIONS", 50)
    latency_ms = env_int("BENCH_MOODLE_LATENCY_MS", 20, minimum=0)
    if sessions > enrolments:
        raise SystemExit("BENCH_MOODLE_SESSIONS must not exceed BENCH_MOODLE_ENROLMENTS")
    configure()
    from tests.fakes.moodle import FakeMoodle

    runs = prepare(enrolments, sessions)
    ours, problems = measure_drain(FakeMoodle(token=TOKEN, latency=latency_ms / 1000), enrolments)
    naive = measure_naive(FakeMoodle(token=TOKEN, latency=latency_ms / 1000), runs)

    ratio = naive.calls / ours.calls if ours.calls else float("inf")
    speedup = naive.seconds / ours.seconds if ours.seconds else float("inf")
    within = ours.calls <= naive.calls * MAX_CALL_RATIO
    target = "ok" if within else "MISSED"
    print(
        f"{enrolments:,} enrolments ({enrolments:,} learners) over {sessions} sessions, "
        f"fake Moodle on loopback with {latency_ms} ms per call"
    )
    print(f"  outbox drain:   {ours.calls:>6,} web-service calls, {ours.seconds:7.1f} s")
    print(f"  naive baseline: {naive.calls:>6,} web-service calls, {naive.seconds:7.1f} s (one call per operation)")
    print(f"  {ratio:.1f}x fewer calls ({target}: at least {1 / MAX_CALL_RATIO:.0f}x), {speedup:.1f}x less wall time")
    for problem in problems:
        print(f"  error: {problem}", file=sys.stderr)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    report = {
        "enrolments": enrolments,
        "sessions": sessions,
        "latency_ms": latency_ms,
        "drain": asdict(ours),
        "naive": asdict(naive),
        "call_ratio": round(ratio, 1),
        "problems": problems,
    }
    (RESULTS_DIR / "moodle.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0 if within and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
