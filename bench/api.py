"""Benchmark the public API's lists in-process: ``python -m bench.api`` (or ``make bench-api``).

Same dataset and environment as ``bench.run`` (BENCH_COURSES 2000,
BENCH_SESSIONS 6000, BENCH_RUNS, BENCH_WARMUPS, BENCH_DATABASE_URL).
Measures p50 and the query count of the courses and sessions lists, plain
and filtered, and a conditional GET answered 304. Targets: 30 ms, 12
queries. Missed targets are reported, not fatal; an error answer is.
"""

from __future__ import annotations

import os
import sys

from bench.config import BenchConfig, configure_django

TARGET_MS = 30.0
TARGET_QUERIES = 12


def main() -> int:
    config = BenchConfig.from_env()
    # One client makes every request: a budget it cannot exhaust, so the bench
    # measures the lists (the throttle's own cache read and write included).
    os.environ.setdefault("ALLYS_API_ANON_RATE", "1000000/minute")
    configure_django(config)

    from django.test import Client

    from bench.dataset import ensure_dataset
    from bench.measure import measure

    size = ensure_dataset(config)
    client = Client()
    urls = [
        ("api courses", "/api/v1/courses/"),
        ("api courses filtered", "/api/v1/courses/?format=online&price=500-1500&places=1&ordering=title"),
        ("api sessions", "/api/v1/sessions/"),
        ("api sessions filtered", "/api/v1/sessions/?language=fr&from=2020-01-01&ordering=-starts_at"),
    ]
    results = [measure(client, name, url, runs=config.runs, warmups=config.warmups) for name, url in urls]
    not_modified = _measure_304(client, "/api/v1/courses/", runs=config.runs)

    print(f"dataset: {size}")
    print(f"{'endpoint':<24} {'status':>6} {'queries':>7} {'p50 ms':>8} {'p90 ms':>8}  verdict")
    failed = False
    for m in results:
        misses = [
            text for text, missed in (("slow", m.p50_ms > TARGET_MS), ("queries", m.queries > TARGET_QUERIES)) if missed
        ]
        failed = failed or not m.ok
        verdict = m.error or (", ".join(misses) if misses else "ok")
        print(f"{m.name:<24} {m.status:>6} {m.queries:>7} {m.p50_ms:>8.1f} {m.p90_ms:>8.1f}  {verdict}")
    print(f"{'api courses 304':<24} {304:>6} {not_modified[0]:>7} {not_modified[1]:>8.1f}")
    return 1 if failed else 0


def _measure_304(client, url: str, *, runs: int) -> tuple[int, float]:
    """Query count and p50 (ms) of a conditional GET that the ETag answers with 304."""
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.measure import median

    etag = client.get(url)["ETag"]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    queries = len(captured.captured_queries)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url, HTTP_IF_NONE_MATCH=etag)
        timings.append((time.perf_counter() - started) * 1000)
    return queries, median(timings)


if __name__ == "__main__":
    sys.exit(main())
