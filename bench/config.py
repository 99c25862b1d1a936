"""Benchmark configuration, read from the environment before Django starts.

The bench never touches the development or test databases: it points
``DATABASE_URL`` at its own database (a SQLite file under ``var/bench/`` by
default, or ``BENCH_DATABASE_URL``) before ``django.setup()``.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "bench" / "results"

# Targets printed beside the figures; missing one is reported, never fatal.
MAX_QUERIES_PER_PAGE = 12
LISTING_P50_TARGET_MS = 30.0
FEED_P50_TARGET_MS = 300.0


def env_int(name: str, default: int, minimum: int = 1) -> int:
    """A positive integer from the environment, with a readable error."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError as error:
        raise SystemExit(f"{name} must be an integer, not {raw!r}") from error
    if value < minimum:
        raise SystemExit(f"{name} must be at least {minimum}")
    return value


@dataclass(frozen=True)
class BenchConfig:
    """How big the dataset is, where it lives and how often each page is fetched."""

    courses: int
    sessions: int
    runs: int
    warmups: int
    database_url: str

    @classmethod
    def from_env(cls) -> BenchConfig:
        courses = env_int("BENCH_COURSES", 2000)
        sessions = env_int("BENCH_SESSIONS", 6000, minimum=0)
        var_dir = Path(os.environ.get("ALLYS_VAR_DIR", BASE_DIR / "var"))
        default_url = f"sqlite:///{var_dir / 'bench' / f'bench-{courses}c-{sessions}s.sqlite3'}"
        return cls(
            courses=courses,
            sessions=sessions,
            runs=env_int("BENCH_RUNS", 30),
            warmups=env_int("BENCH_WARMUPS", 3, minimum=0),
            database_url=os.environ.get("BENCH_DATABASE_URL", "").strip() or default_url,
        )

    @property
    def sessions_per_course(self) -> int:
        """What ``seed_demo --sessions-per-course`` needs to reach ``sessions`` in total."""
        return math.ceil(self.sessions / self.courses)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None on another engine."""
        prefix = "sqlite:///"
        return Path(self.database_url[len(prefix) :]) if self.database_url.startswith(prefix) else None


def configure_django(config: BenchConfig) -> None:
    """Point Django at the bench database, with production-like settings, and set it up.

    The dev settings with DEBUG off behave like production for rendering
    (no debug toolbar, no query log) but serve static files without
    ``collectstatic``.
    """
    if config.sqlite_path is not None:
        config.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get("BENCH_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DATABASE_URL"] = config.database_url
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ["ALLYS_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"

    import django

    django.setup()
    # The immediate task backend logs two lines per task (search indexing
    # while seeding): thousands of lines that would hide the results.
    logging.getLogger("django_tasks").setLevel(logging.WARNING)
