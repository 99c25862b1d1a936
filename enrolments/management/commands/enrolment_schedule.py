"""Run the enrolment schedule once: holds, waitlist offers, reminders, due charges.

Call it from cron every few minutes; it is idempotent and safe to overlap.
"""

from django.core.management.base import BaseCommand

from enrolments.tasks import run_schedule_once


class Command(BaseCommand):
    help = "Release stale holds, expire waitlist offers, send reminders and charge due instalments."

    def handle(self, *args, **options) -> None:
        report = run_schedule_once()
        for key, value in report.items():
            self.stdout.write(f"{key}: {value}")
