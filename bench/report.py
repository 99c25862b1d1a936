"""The bench's printed table and its JSON record."""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
from pathlib import Path

import django
from django.db import connection

from bench.config import (
    FEED_P50_TARGET_MS,
    LISTING_P50_TARGET_MS,
    MAX_QUERIES_PER_PAGE,
    RESULTS_DIR,
    BenchConfig,
)
from bench.dataset import DatasetSize
from bench.measure import Measurement

# Which time target applies to which measurement.
TIME_TARGETS_MS = {
    "listing": LISTING_P50_TARGET_MS,
    "listing filtered": LISTING_P50_TARGET_MS,
    "catalogue feed": FEED_P50_TARGET_MS,
}


def verdicts(m: Measurement) -> list[str]:
    """Human-readable target checks for one measurement."""
    if not m.ok:
        return [f"ERROR {m.error}"]
    found = []
    queries_ok = m.queries <= MAX_QUERIES_PER_PAGE
    found.append(f"queries {'ok' if queries_ok else 'MISSED'} (<= {MAX_QUERIES_PER_PAGE})")
    target = TIME_TARGETS_MS.get(m.name)
    if target is not None:
        found.append(f"p50 {'ok' if m.p50_ms <= target else 'MISSED'} (<= {target:g} ms)")
    return found


def fmt_ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def print_table(measurements: list[Measurement], config: BenchConfig, size: DatasetSize) -> None:
    print()
    print(
        f"{size.courses} courses, {size.sessions} sessions on {connection.vendor}; "
        f"{config.runs} runs after {config.warmups} warm-ups (milliseconds)."
    )
    header = f"{'page':<17} {'status':>6} {'KiB':>7} {'queries':>7} {'p50':>8} {'p90':>8}  targets"
    print(header)
    print("-" * (len(header) + 30))
    for m in measurements:
        print(
            f"{m.name:<17} {m.status:>6} {m.bytes / 1024:>7.1f} {m.queries:>7} "
            f"{fmt_ms(m.p50_ms):>8} {fmt_ms(m.p90_ms):>8}  {'; '.join(verdicts(m))}"
        )
    print()
    for m in measurements:
        print(f"  {m.name}: {m.url}")


def write_json(measurements: list[Measurement], config: BenchConfig, size: DatasetSize) -> Path:
    """Write ``bench/results/latest.json`` and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "latest.json"
    record = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": connection.vendor,
        "dataset": {"courses": size.courses, "sessions": size.sessions},
        "requested": {"courses": config.courses, "sessions": config.sessions},
        "runs": config.runs,
        "warmups": config.warmups,
        "targets": {
            "max_queries_per_page": MAX_QUERIES_PER_PAGE,
            "listing_p50_ms": LISTING_P50_TARGET_MS,
            "feed_p50_ms": FEED_P50_TARGET_MS,
        },
        "results": [{**m.as_dict(), "verdicts": verdicts(m)} for m in measurements],
    }
    path.write_text(json.dumps(record, indent=2, allow_nan=False, default=str) + "\n", encoding="utf-8")
    return path
