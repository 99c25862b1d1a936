"""Staff retries from the admin: make rows due now, with a fresh attempt count, and drain.

A dead letter stays dead until someone retries it (or its desired state
changes); a failed row would retry on its own, later. Retrying clears the
error and the backoff, and starts a drain once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from lms import queue
from lms.models import OutboxItem, OutboxStatus
from lms.tasks import request_drain

# A synced row has nothing to send.
RETRYABLE_STATUSES = (OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.DEAD)


def _make_due(rows) -> int:
    now = timezone.now()
    return rows.update(
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        error_kind="",
        error_code="",
        error_message="",
        updated_at=now,
    )


@transaction.atomic
def retry_items(*, pks: Iterable[int]) -> int:
    """Send these rows (those not in sync) at the next drain, which starts now. Returns how many."""
    count = _make_due(OutboxItem.objects.filter(pk__in=list(pks), status__in=RETRYABLE_STATUSES))
    if count:
        transaction.on_commit(request_drain)
    return count


@transaction.atomic
def retry_all_failed() -> tuple[int, bool]:
    """Retry every failed and dead-letter row, and resume a paused queue.

    Returns how many rows and whether the queue was paused. Staff use it once
    they fixed what a configuration error or refused items pointed at.
    """
    resumed = queue.resume()
    count = _make_due(OutboxItem.objects.filter(status__in=(OutboxStatus.FAILED, OutboxStatus.DEAD)))
    if count or resumed:
        transaction.on_commit(request_drain)
    return count, resumed
