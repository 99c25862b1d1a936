"""Concurrent reservations on PostgreSQL: ``python -m bench.reservations`` (or ``make bench-reservations``).

BENCH_RESERVATION_ATTEMPTS buyers (200) race for a BENCH_RESERVATION_CAPACITY
(20) place session. All attempts arrive at once (a barrier releases them) and
are served by web workers, each with its own open database connection; each
attempt runs the real ``enrolment_start`` service. An attempt's latency runs from
the release to its answer, so it includes waiting for a worker and for the lock.

Two rounds, each on a fresh session:

- **as deployed**: BENCH_RESERVATION_PROCESSES (4) single-threaded processes, the
  README's ``gunicorn config.wsgi --workers 4`` (sync workers). The p95 target
  applies to this round.
- **threaded**: BENCH_RESERVATION_THREADS (10) threads in each of those processes,
  40 connections queueing on the session row at once. Reported for comparison:
  Python threads of one process share one interpreter lock, so this round
  measures that as much as the lock on the session.

Prints p50/p95 latency and the oversell count (holds beyond capacity), writes
bench/results/reservations.json. Needs PostgreSQL: BENCH_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/allys_bench). Exits non-zero
when anything is oversold or an attempt errors; a missed latency target is
reported, not fatal.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import sys
import threading
import time

from bench.config import RESULTS_DIR, env_int

P95_TARGET_MS = 300.0


def configure() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", "").strip() or "postgres://postgres@127.0.0.1:5432/allys_bench"
    if not url.startswith("postgres"):
        raise SystemExit("bench.reservations needs PostgreSQL (BENCH_DATABASE_URL=postgres://…)")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DATABASE_URL"] = url
    os.environ["DATABASE_CONN_MAX_AGE"] = "0"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["ALLYS_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    import django

    django.setup()


def prepare(attempts: int, capacity: int):
    """A fresh course, a session of ``capacity`` places and ``attempts`` buyers."""
    import datetime as dt

    from django.core.management import call_command
    from wagtail.models import Page

    from catalogue.factories import CoursePageFactory
    from courses.factories import SessionFactory
    from enrolments.models import LegalText, User

    call_command("migrate", verbosity=0)
    parent = Page.get_first_root_node()
    stamp = f"{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 1_000_000}"
    course = CoursePageFactory(parent=parent, title=f"Bench {stamp}", slug=f"bench-reservations-{stamp}")
    session = SessionFactory(
        course=course, code=f"BENCH-{stamp}", capacity=capacity, start=dt.date.today() + dt.timedelta(days=60)
    )
    buyers = [
        User(
            username=f"bench-{stamp}-{i}",
            email=f"bench-{stamp}-{i}@example.org",
            first_name="Bench",
            last_name=str(i),
            street_address="1 rue de la Bench",
            postal_code="69007",
            city="Lyon",
        )
        for i in range(attempts)
    ]
    User.objects.bulk_create(buyers)
    buyers = list(User.objects.filter(username__startswith=f"bench-{stamp}-"))
    texts = {t.kind: t for t in LegalText.objects.all()}
    return session, buyers, texts


def run(session, buyers, texts, *, processes: int, threads: int) -> dict:
    from django.db import connections

    from enrolments import emails
    from enrolments.models import Enrolment, Funding
    from enrolments.models.enrolment import PLACE_USING_STATUSES
    from enrolments.services.enrolment import enrolment_start
    from enrolments.services.errors import SessionFull

    emails.notify = lambda kind, object_id: None  # no email work inside the measurement
    workers = processes * threads
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(workers)
    released = context.Value("d", 0.0)
    answers = context.Queue()

    def attempt(user) -> str:
        try:
            enrolment_start(
                session=session,
                learner=user,
                funding=Funding.SELF,
                terms=texts["terms_of_sale"],
                internal_rules=texts["internal_rules"],
            )
            return "held"
        except SessionFull:
            return "full"
        except Exception as error:  # noqa: BLE001 - counted and reported
            return f"error {error!r}"

    def process(share: list, threads: int) -> None:
        """One web process: ``threads`` workers taking buyers from this process's share."""
        lock = threading.Lock()

        def worker() -> None:
            connections["default"].ensure_connection()
            try:
                if barrier.wait() == 0:
                    released.value = time.time()
                barrier.wait()
                while True:
                    with lock:
                        if not share:
                            return
                        user = share.pop()
                    outcome = attempt(user)
                    answers.put((outcome, (time.time() - released.value) * 1000))
            finally:
                connections.close_all()

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()

    # Like a load balancer: buyers are dealt to the processes in turn.
    connections.close_all()
    children = []
    for index in range(processes):
        child = context.Process(target=process, args=(buyers[index::processes], threads))
        child.start()
        children.append(child)
    results = [answers.get(timeout=300) for _ in buyers]
    for child in children:
        child.join()

    latencies = sorted(ms for _, ms in results)
    session.refresh_from_db()
    held = Enrolment.objects.filter(session=session, status__in=PLACE_USING_STATUSES).count()
    errors = [o for o, _ in results if o.startswith("error")]
    return {
        "attempts": len(results),
        "workers": workers,
        "processes": processes,
        "capacity": session.capacity,
        "held": held,
        "refused_full": sum(1 for o, _ in results if o == "full"),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "oversold": max(0, held - session.capacity),
        "counter_matches": session.places_taken == held,
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        "max_ms": round(latencies[-1], 1),
    }


def main() -> int:
    attempts = env_int("BENCH_RESERVATION_ATTEMPTS", 200)
    capacity = env_int("BENCH_RESERVATION_CAPACITY", 20)
    processes = env_int("BENCH_RESERVATION_PROCESSES", 4)
    threads = env_int("BENCH_RESERVATION_THREADS", 10)
    configure()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        max_connections = int(cursor.fetchone()[0])
    if processes * threads + 10 > max_connections:
        raise SystemExit(f"PostgreSQL allows {max_connections} connections: lower BENCH_RESERVATION_THREADS")
    rounds = {
        "as_deployed": run(*prepare(attempts, capacity), processes=processes, threads=1),
        "threaded": run(*prepare(attempts, capacity), processes=processes, threads=threads),
    }
    failed = False
    for name, report in rounds.items():
        label = "as deployed" if name == "as_deployed" else "threaded"
        print(
            f"{label}: {report['attempts']} attempts at once for {capacity} places, "
            f"{report['processes']} processes × {report['workers'] // report['processes']} thread(s), PostgreSQL"
        )
        print(f"  held {report['held']}, refused (full) {report['refused_full']}, errors {report['errors']}")
        print(f"  oversold {report['oversold']}, counter matches holds: {report['counter_matches']}")
        if name == "as_deployed":
            target = "ok" if report["p95_ms"] <= P95_TARGET_MS else f"MISSED (target {P95_TARGET_MS:.0f} ms)"
        else:
            target = "no target"
        print(f"  p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms ({target}), max {report['max_ms']} ms")
        if report["first_error"]:
            print(f"  first error: {report['first_error']}", file=sys.stderr)
        failed = failed or bool(report["oversold"] or report["errors"] or not report["counter_matches"])
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "reservations.json").write_text(json.dumps(rounds, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
