"""Background work: drain the outbox after each change, and on a schedule.

``request_drain`` runs once after each transaction that queued something
commits; ``manage.py moodle_sync --drain``
(run by the scheduler, and in the demo loop) catches whatever a crash or a
backoff left behind.
"""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


def request_drain() -> None:
    try:
        drain_outbox.enqueue()
    except Exception:  # the schedule drains anyway; never fail the user's request for this
        logger.exception("Could not enqueue the Moodle drain")


@task()
def drain_outbox() -> dict[str, int]:
    from lms.drain import drain

    report = drain(passes=10)
    return {"synced": report.synced, "failed": report.failed, "dead": report.dead, "waiting": report.waiting}
