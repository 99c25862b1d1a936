"""Background work of the enrolment layer (django-tasks).

``run_enrolment_schedule`` is the periodic job: cron calls
``manage.py enrolment_schedule`` (or enqueues the task) every few minutes.
Every step is idempotent, so overlapping runs are harmless.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_notification(kind: str, object_id: str) -> None:
    """Send one email now (enqueued on commit by ``enrolments.emails.notify``)."""
    from enrolments import emails

    emails.send(kind, object_id)


@task()
def refund_order_task(order_id: int, amount: str, reason: str) -> None:
    """Refund part of an order through its payment backend, with a credit note."""
    from enrolments.models import Order
    from enrolments.services.refunds import refund_order

    refund_order(order=Order.objects.get(pk=order_id), amount=Decimal(amount), reason=reason)


def run_schedule_once() -> dict[str, int]:
    """Release stale holds, pass expired waitlist offers on, send notices, charge what is due;
    for companies: expire quotes, warn about and release unpaid seats, remind unassigned seats."""
    from enrolments.services.charging import charge_due_instalments, release_stale_claims
    from enrolments.services.company_release import release_unpaid_orders, warn_unpaid_orders
    from enrolments.services.enrolment import release_expired_holds
    from enrolments.services.quotes import expire_quotes
    from enrolments.services.reminders import send_due_reminders
    from enrolments.services.seats import remind_unassigned_seats
    from enrolments.services.waitlist import expire_offers

    report = {
        "holds_released": release_expired_holds(),
        "offers_expired": expire_offers(),
        "reminders_sent": send_due_reminders(),
        "instalment_claims_released": release_stale_claims(),
        "instalments_charged": charge_due_instalments(),
        "quotes_expired": expire_quotes(),
        # Warnings first; an order due for release today gets none (its last warning went out before).
        "unpaid_orders_warned": warn_unpaid_orders(),
        "unpaid_orders_released": release_unpaid_orders(),
        "seat_reminders_sent": remind_unassigned_seats(),
    }
    logger.info("enrolment schedule run", extra=report)
    return report


@task()
def run_enrolment_schedule() -> dict[str, int]:
    return run_schedule_once()
