"""The bench dataset: migrated and seeded once per size, then reused."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bench.config import BenchConfig


@dataclass(frozen=True)
class DatasetSize:
    """Live course pages and sessions in total, and how many of them seed_demo generated."""

    courses: int
    sessions: int
    generated_courses: int = 0
    generated_sessions: int = 0


# seed_demo's naming of generated rows: course slugs "gen-00042-…", session codes "GEN-00042-1".
GENERATED_SLUG_PREFIX = "gen-"
GENERATED_CODE_PREFIX = "GEN-"


def current_size() -> DatasetSize:
    """How many live courses and sessions the bench database holds."""
    from catalogue.models import CoursePage
    from courses.models import Session

    return DatasetSize(
        courses=CoursePage.objects.live().count(),
        sessions=Session.objects.count(),
        generated_courses=CoursePage.objects.filter(slug__startswith=GENERATED_SLUG_PREFIX).count(),
        generated_sessions=Session.objects.filter(code__startswith=GENERATED_CODE_PREFIX).count(),
    )


def has_requested_size(size: DatasetSize, config: BenchConfig) -> bool:
    # The demo programme itself adds a few dozen courses on top of the
    # generated ones; only the generated rows must match the request.
    return (
        size.generated_courses == config.courses
        and size.generated_sessions == config.courses * config.sessions_per_course
    )


def reset_database(config: BenchConfig) -> None:
    """Empty the bench database so it can be rebuilt at a new size."""
    if config.sqlite_path is not None:
        connection.close()
        config.sqlite_path.unlink(missing_ok=True)
        return
    if "bench" not in connection.settings_dict["NAME"]:
        raise SystemExit(
            f"The bench database {connection.settings_dict['NAME']!r} holds data of another size. "
            "Refusing to empty a database whose name does not contain 'bench'; use a dedicated one."
        )
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def ensure_dataset(config: BenchConfig) -> DatasetSize:
    """Migrate, then seed unless the database already has the requested size."""
    call_command("migrate", interactive=False, verbosity=0)
    size = current_size()
    if has_requested_size(size, config):
        print(f"Reusing the bench database: {size.courses} courses, {size.sessions} sessions.")
        return size
    if size.courses or size.sessions:
        print(f"The bench database has {size.courses} courses and {size.sessions} sessions; rebuilding it.")
        reset_database(config)
        call_command("migrate", interactive=False, verbosity=0)
    print(
        f"Seeding {config.courses} courses x {config.sessions_per_course} sessions "
        f"into {connection.vendor} ({connection.settings_dict['NAME']}); this happens once per size."
    )
    started = time.perf_counter()
    call_command("seed_demo", courses=config.courses, sessions_per_course=config.sessions_per_course)
    size = current_size()
    print(f"Seeded {size.courses} courses, {size.sessions} sessions in {time.perf_counter() - started:.0f} s.")
    if not has_requested_size(size, config):
        raise SystemExit(
            f"seed_demo generated {size.generated_courses} courses and {size.generated_sessions} sessions, "
            f"not the {config.courses} x {config.sessions_per_course} requested."
        )
    return size


@dataclass(frozen=True)
class Targets:
    """The URLs the bench fetches, chosen from the data so filters match something."""

    listing: str
    filtered_listing: str
    course: str
    feed: str


def pick_targets() -> Targets:
    """Build the URLs from an upcoming session, so the filtered listing has results."""
    from urllib.parse import urlencode

    from catalogue.models import CatalogueIndexPage
    from courses.models import Session

    index = CatalogueIndexPage.objects.live().filter(locale__language_code="fr").first()
    if index is None:
        raise SystemExit("The bench database has no live catalogue listing page.")
    listing = index.relative_url(index.get_site())
    session = (
        Session.objects.filter(starts_at__gte=timezone.now(), course__live=True, course__themes__isnull=False)
        .select_related("course")
        .order_by("starts_at", "pk")
        .first()
    )
    if session is None:
        raise SystemExit("The bench database has no upcoming session of a live, themed course.")
    course = session.course
    theme = course.themes.order_by("pk").first()
    month = timezone.localtime(session.starts_at).strftime("%Y-%m")
    word = max(course.title.split(), key=len)
    query = urlencode({"q": word, "theme": theme.slug, "format": course.format, "month": month})
    return Targets(
        listing=listing,
        filtered_listing=f"{listing}?{query}",
        course=course.relative_url(course.get_site()),
        feed="/calendar/catalogue.ics",
    )
