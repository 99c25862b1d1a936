"""Transactional emails of the enrolment layer, in the recipient's language, HTML and plain text.

Kinds (the object id each one takes):

- ``enrolment_confirmed`` (Enrolment): contract PDF, calendar invitation, withdrawal period, payment schedule;
- ``enrolment_withdrawn``, ``enrolment_cancelled`` (Enrolment): cancelled invitation, refund if any;
- ``session_cancelled`` (Enrolment): the organiser cancelled; cancelled invitation, full refund;
- ``schedule_changed`` (Enrolment): updated invitation (higher SEQUENCE);
- ``reminder_7``, ``reminder_1`` (Enrolment): a week and a day before the start;
- ``enrolment_completed`` (Enrolment): the LMS reports the course completed; links to both certificates;
- ``instalment_notice`` (Instalment): a charge is coming; ``instalment_failed`` (Instalment): update the card and pay;
- ``waitlist_offer`` (WaitlistEntry): a place is kept until the offer expires;
- ``funding_request_employer`` (FundingRequest): quote to the employer or funder;
  ``funding_request_staff`` (FundingRequest): to ``ENROLMENT_STAFF_EMAILS``.

Nothing is sent about a person whose account was anonymised. Services call
``notify`` inside their transaction; the email goes out from a task once it
commits. ``send`` sends at once (the task calls it).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction

from enrolments.emails import (  # noqa: F401  (they register their kinds)
    company_payments,
    company_release,
    completion,
    enrolment,
    funding,
    organisations,
    payment,
    quotes,
    seats,
    waitlist,
)
from enrolments.emails.rendering import KINDS, deliver

__all__ = ["KINDS", "notify", "send"]


def _kind(kind: str):
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"Unknown email kind: {kind!r}") from None


def send(kind: str, object_id: Any) -> None:
    """Send the email ``kind`` about the object ``object_id`` now (nothing if it no longer applies)."""
    deliver(_kind(kind), object_id)


def _enqueue(kind: str, object_id: str) -> None:
    # Imported here: the task module imports this package.
    from enrolments.tasks import send_notification

    send_notification.enqueue(kind, object_id)


def notify(kind: str, object_id: Any) -> None:
    """Send the email ``kind`` from a task once the current transaction commits.

    django-tasks does not wait for the commit itself; a rolled-back change
    sends nothing. ``robust``: a failure to enqueue is logged and does not
    undo, or report as failed, a change that has already been committed.
    """
    _kind(kind)
    transaction.on_commit(partial(_enqueue, kind, str(object_id)), robust=True)
