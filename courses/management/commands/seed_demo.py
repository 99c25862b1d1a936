"""``manage.py seed_demo``: build the ALLyS demo programme (run by ``make demo``).

Creates the site tree in French and English, the themes, partners, trainers,
about thirty course pages with their sessions, and the demo accounts. It is
idempotent: running it again adds only what is missing. ``--courses N``
adds a large generated catalogue for benchmarks.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from catalogue.demo.accounts import build_accounts
from catalogue.demo.builder import COURSES, build_catalogue
from catalogue.demo.bulk import build_generated_courses
from catalogue.demo.indexes import automatic_indexing_paused
from catalogue.models import CoursePage
from courses.demo.bulk import build_generated_sessions
from courses.demo.sessions import build_sessions
from courses.demo.venues import build_venues
from courses.models import Session, SessionStatus

BASE_URL = "http://127.0.0.1:8000"


@contextmanager
def _wagtail_page_logs_silenced() -> Iterator[None]:
    """Wagtail logs every page created and published at INFO: hundreds of lines for a seed."""
    wagtail_logger = logging.getLogger("wagtail")
    previous = wagtail_logger.level
    wagtail_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        wagtail_logger.setLevel(previous)


class Command(BaseCommand):
    help = "Build the ALLyS demo programme (idempotent); --courses N adds a generated catalogue for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--courses", type=int, default=0, help="Also generate N extra course pages.")
        parser.add_argument(
            "--sessions-per-course", type=int, default=3, help="Sessions per generated course (default 3)."
        )
        parser.add_argument("--quiet", action="store_true", help="Print nothing.")

    def handle(self, *args, courses: int, sessions_per_course: int, quiet: bool, **options) -> None:
        now = timezone.now()
        with automatic_indexing_paused(), _wagtail_page_logs_silenced():
            with transaction.atomic():
                catalogue = build_catalogue()
                venues = build_venues()
                sessions_created = build_sessions(COURSES, courses=catalogue.courses, venues=venues, now=now)
                accounts, accounts_created = build_accounts()
            generated_pages = generated_sessions = 0
            if courses:
                pages = build_generated_courses(courses, listing=catalogue.tree.listing)
                generated_pages = len(pages)
                generated = list(CoursePage.objects.child_of(catalogue.tree.listing).filter(slug__startswith="gen-"))
                generated_sessions = build_generated_sessions(generated, sessions_per_course, now=now)
        if quiet:
            return
        self._summary(catalogue.created, sessions_created, generated_pages, generated_sessions, accounts_created)
        self._accounts(accounts)

    def _summary(self, created: dict, sessions: int, gen_pages: int, gen_sessions: int, accounts: int) -> None:
        write = self.stdout.write
        write(self.style.SUCCESS("ALLyS demo programme ready."))
        write(
            f"Created this run: {created['pages']} site pages, {created['courses']} courses, "
            f"{created['translated_courses']} English course translations, {sessions} sessions, "
            f"{gen_pages} generated courses, {gen_sessions} generated sessions, {accounts} accounts."
        )
        write(
            f"In the database: {CoursePage.objects.live().count()} live course pages, "
            f"{Session.objects.count()} sessions "
            f"({Session.objects.filter(status=SessionStatus.CANCELLED).count()} cancelled)."
        )
        for label, path in (
            ("Home", "/"),
            ("Catalogue", "/formations/"),
            ("English", "/en/"),
            ("Programme", "/programme/"),
            ("Admin", "/admin/"),
        ):
            write(f"  {label:<10} {BASE_URL}{path}")

    def _accounts(self, accounts) -> None:
        self.stdout.write("Demo accounts (local demo only; the admin takes the username, the site the email):")
        for account in accounts:
            role = "superuser" if account.superuser else account.group or account.role
            self.stdout.write(f"  {account.username:<12} {account.email:<28} password: {account.password:<24} ({role})")
