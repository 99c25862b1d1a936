"""Fetching a page repeatedly in-process and summarising the timings."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass(frozen=True)
class Measurement:
    """Timings (milliseconds) and query count for one URL."""

    name: str
    url: str
    status: int
    content_type: str
    bytes: int
    queries: int
    runs: int
    p50_ms: float
    p90_ms: float
    min_ms: float
    max_ms: float
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values`` (fraction between 0 and 1)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def measure(client: Client, name: str, url: str, *, runs: int, warmups: int) -> Measurement:
    """Fetch ``url`` ``warmups`` times untimed, once counting queries, then ``runs`` times timed."""
    for _ in range(warmups):
        client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    # Read now: captured_queries slices the live query log, which the next
    # request resets.
    query_count = len(captured.captured_queries)
    error = ""
    if response.status_code != 200:
        error = f"HTTP {response.status_code}"
    elif not response.content:
        error = "empty response"
    timings: list[float] = []
    if not error:
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
    return Measurement(
        name=name,
        url=url,
        status=response.status_code,
        content_type=response.get("Content-Type", ""),
        bytes=len(response.content),
        queries=query_count,
        runs=len(timings),
        p50_ms=round(median(timings), 2) if timings else math.nan,
        p90_ms=round(percentile(timings, 0.9), 2) if timings else math.nan,
        min_ms=round(min(timings), 2) if timings else math.nan,
        max_ms=round(max(timings), 2) if timings else math.nan,
        error=error,
    )
