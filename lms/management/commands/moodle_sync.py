"""Bring Moodle up to date with our data, or send what the outbox holds.

    manage.py moodle_sync [--dry-run] [--session CODE]
    manage.py moodle_sync --drain

Without ``--drain``: the full reconcile (``lms.reconcile``), which reads Moodle and
writes only the differences, then prints a table per kind of object, the number of
web-service calls and the time taken. ``--dry-run`` writes nothing, to Moodle or to
the outbox. ``--drain`` sends the outbox's due rows (what the scheduler runs).

A Moodle error ends the command with one line on stderr and exit status 1.
"""

from __future__ import annotations

import time
from typing import NoReturn

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lms import backends
from lms.drain import drain, known_ids
from lms.models import OutboxKind, QueueState
from lms.moodle.errors import ConfigurationError, MoodleError, TransientError
from lms.reconcile import CHUNK_SIZE, KINDS, ReconcileSummary, UnknownSession, reconcile

# Drain passes before giving up for this run; each pass takes up to 5,000 rows.
DRAIN_PASSES = 20
# Failures listed one by one; the admin shows them all.
MAX_FAILURES_SHOWN = 20


def kind_label(kind: str) -> str:
    return {
        OutboxKind.CATEGORY: pgettext("Moodle objects", "categories"),
        OutboxKind.COURSE: pgettext("Moodle objects", "courses"),
        OutboxKind.USER: pgettext("Moodle objects", "users"),
        OutboxKind.ENROLMENT: pgettext("Moodle objects", "enrolments"),
    }.get(kind, str(kind))


class ProgressBar:
    """Progress on stderr: a bar redrawn in place on a terminal, otherwise a line every 10 %.

    Runs of fewer than ``min_total`` objects show nothing: they are over in one chunk.
    """

    width = 30
    min_total = CHUNK_SIZE + 1

    def __init__(self, stream) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.shown_tenths = -1
        self.drawn = False

    def __call__(self, kind: str, done: int, total: int) -> None:
        if total < self.min_total:
            return
        fraction = done / total
        text = f"{kind_label(kind):<11} {fraction:4.0%} ({done}/{total})"
        if self.tty:
            filled = round(self.width * fraction)
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r[{bar}] {text}\033[K", ending="")
            self.stream.flush()
            self.drawn = True
            if done >= total:
                self.finish()
            return
        tenths = int(fraction * 10)
        if tenths > self.shown_tenths:
            self.shown_tenths = tenths
            self.stream.write(text)

    def finish(self) -> None:
        """End the bar's line (also when the run stops early)."""
        if self.drawn:
            self.stream.write("")
            self.drawn = False


class Command(BaseCommand):
    help = "Reconcile Moodle with the platform's sessions and enrolments, or drain the Moodle outbox."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")
        parser.add_argument("--session", metavar="CODE", help="Only this session's course and enrolments.")
        parser.add_argument(
            "--drain", action="store_true", help="Send the outbox's due rows instead of a full reconcile."
        )

    def handle(self, *args, dry_run: bool = False, session: str | None = None, drain: bool = False, **options):
        if drain and (dry_run or session):
            raise CommandError(_("--drain sends the whole outbox: it takes neither --dry-run nor --session."))
        try:
            backend = backends.get_backend(known_ids())
        except ValueError as error:  # an unknown LMS_BACKEND
            raise CommandError(str(error)) from None
        except MoodleError as error:  # no MOODLE_URL or MOODLE_TOKEN
            self.fail(error)
        if backend is None:
            self.stdout.write(_("The Moodle export is off (ALLYS_LMS_BACKEND=off): nothing to do."))
            return
        started = time.monotonic()
        if drain:
            self.drain(backend, started)
        else:
            self.reconcile(backend, started, dry_run=dry_run, session=session)

    def reconcile(self, backend, started: float, *, dry_run: bool, session: str | None) -> None:
        progress = ProgressBar(self.stderr)
        try:
            summary = reconcile(backend=backend, dry_run=dry_run, session_code=session, progress=progress)
        except UnknownSession as error:
            raise CommandError(str(error)) from None
        except MoodleError as error:
            progress.finish()
            self.fail(error, partial=not dry_run)
        progress.finish()
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written to Moodle or to the outbox."))
        self.print_summary(summary)
        self.print_cost(summary.calls, started)

    def print_summary(self, summary: ReconcileSummary) -> None:
        if summary.dry_run:
            changes = [pgettext("Moodle sync table", "would create"), pgettext("Moodle sync table", "would update")]
        else:
            changes = [pgettext("Moodle sync table", "created"), pgettext("Moodle sync table", "updated")]
        header = [
            pgettext("Moodle sync table", "kind"),
            *changes,
            pgettext("Moodle sync table", "unchanged"),
            pgettext("Moodle sync table", "failed"),
        ]
        rows = [
            [kind_label(kind), *map(str, (c.created, c.updated, c.unchanged, c.failed))]
            for kind, c in ((kind, summary.counts[kind]) for kind in KINDS)
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

        def line(cells: list[str]) -> str:
            first, *numbers = cells
            return " | ".join([first.ljust(widths[0]), *(n.rjust(w) for n, w in zip(numbers, widths[1:], strict=True))])

        self.stdout.write(line(header))
        self.stdout.write("-+-".join("-" * width for width in widths))
        for row in rows:
            self.stdout.write(line(row))
        if summary.failures:
            self.stdout.write("")
            self.stdout.write(_("Refused by Moodle (kept in the outbox, retried by the drain):"))
            for failure in summary.failures[:MAX_FAILURES_SHOWN]:
                self.stdout.write(f"  {kind_label(failure.kind)} {failure.key}: {failure.error}")
            hidden = len(summary.failures) - MAX_FAILURES_SHOWN
            if hidden > 0:
                self.stdout.write("  " + _("… and %d more: see Moodle operations in the admin.") % hidden)
        elif summary.changes == 0:
            self.stdout.write(_("Moodle is up to date."))

    def print_cost(self, calls: int, started: float) -> None:
        elapsed = time.monotonic() - started
        self.stdout.write(_("%(calls)d web-service calls in %(seconds).1f s.") % {"calls": calls, "seconds": elapsed})

    def drain(self, backend, started: float) -> None:
        report = drain(backend=backend, passes=DRAIN_PASSES)
        self.stdout.write(
            _("synced: %(synced)d, failed: %(failed)d, dead: %(dead)d, waiting: %(waiting)d")
            % {"synced": report.synced, "failed": report.failed, "dead": report.dead, "waiting": report.waiting}
        )
        self.print_cost(report.calls, started)
        if report.paused:
            reason = QueueState.current().reason
            self.stderr.write(
                _("The Moodle export is paused on a configuration error: %s — run manage.py moodle_check.") % reason
            )
            raise SystemExit(1)
        if report.stopped:
            self.stderr.write(_("Moodle unreachable: %s — the rows will be retried.") % report.stopped)
            raise SystemExit(1)

    def fail(self, error: MoodleError, *, partial: bool = False) -> NoReturn:
        """One line on stderr, exit status 1: no traceback for a Moodle problem."""
        if isinstance(error, TransientError):
            message = _("Moodle unreachable: %s — try again later.") % error
        elif isinstance(error, ConfigurationError):
            message = _("Moodle configuration error: %s — run manage.py moodle_check to see what to fix.") % error
        else:
            message = _("Moodle error: %s") % error
        if partial:
            message += " " + _("What was sent before the error is recorded in the outbox.")
        self.stderr.write(" ".join(message.split()))  # one line, even for an HTML excerpt
        raise SystemExit(1)
