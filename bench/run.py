"""Benchmark the public pages in-process: ``python -m bench.run`` (or ``make bench``).

Environment: BENCH_COURSES (2000), BENCH_SESSIONS (6000), BENCH_RUNS (30),
BENCH_WARMUPS (3), BENCH_DATABASE_URL (default: a SQLite file under
var/bench/). Prints a table, writes bench/results/latest.json, and exits
non-zero only when a page errors; missed targets are reported, not fatal.
"""

from __future__ import annotations

import sys

from bench.config import BenchConfig, configure_django


def main() -> int:
    config = BenchConfig.from_env()
    configure_django(config)

    from django.test import Client

    from bench.dataset import ensure_dataset, pick_targets
    from bench.measure import measure
    from bench.report import print_table, write_json

    size = ensure_dataset(config)
    targets = pick_targets()
    client = Client()
    pages = [
        ("listing", targets.listing),
        ("listing filtered", targets.filtered_listing),
        ("course page", targets.course),
        ("catalogue feed", targets.feed),
    ]
    measurements = [measure(client, name, url, runs=config.runs, warmups=config.warmups) for name, url in pages]
    print_table(measurements, config, size)
    path = write_json(measurements, config, size)
    print(f"\nWrote {path}")
    failed = [m for m in measurements if not m.ok]
    for m in failed:
        print(f"error: {m.name} ({m.url}) answered {m.error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
