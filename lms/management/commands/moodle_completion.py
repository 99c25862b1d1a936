"""Pull course completion from Moodle now, for every running or recently ended session or for one.

    manage.py moodle_completion [--session CODE]

Prints what it found. A Moodle error ends the command with one line on
stderr and exit status 1.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from lms.backends import get_backend
from lms.completion import pull_completion
from lms.drain import known_ids
from lms.moodle.errors import MoodleError


class Command(BaseCommand):
    help = "Ask Moodle which learners completed their course, and complete their enrolments."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--session", metavar="CODE", help="Only this session (whatever its end date).")

    def handle(self, *args, session: str | None = None, **options) -> None:
        try:
            backend = get_backend(known_ids())
        except ValueError as error:  # an unknown LMS_BACKEND
            raise CommandError(str(error)) from None
        except MoodleError as error:  # e.g. no MOODLE_URL
            raise CommandError(f"Moodle: {error}") from None
        if backend is None:
            self.stdout.write("The LMS export is off (LMS_BACKEND=off): nothing to pull.")
            return
        try:
            report = pull_completion(backend=backend, session_code=session)
        except MoodleError as error:
            raise CommandError(f"Moodle: {error}") from None
        self.stdout.write(f"checked: {report.checked}")
        self.stdout.write(f"completed: {report.completed}")
        self.stdout.write(f"in progress: {report.in_progress}")
        self.stdout.write(f"unknown: {report.unknown}")
