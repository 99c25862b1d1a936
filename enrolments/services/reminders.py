"""Reminders before a course starts, and notices before a scheduled charge.

Each reminder and notice is recorded on its row (``Enrolment.reminded_7_at``,
``reminded_1_at``, ``Instalment.announced_at``) by a conditional update before
the email is queued, so each goes out once however often this runs and however
many workers run it. A learner who enrols 3 days before the start gets only
the 1-day reminder.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from courses.models import SessionStatus
from enrolments import emails
from enrolments.models import Enrolment, EnrolmentStatus, Instalment, InstalmentStatus, OrderStatus

#: How long before the start each reminder goes out: email kind -> (lead time, field recording it).
REMINDERS = {
    "reminder_7": (dt.timedelta(days=7), "reminded_7_at"),
    "reminder_1": (dt.timedelta(days=1), "reminded_1_at"),
}


def send_session_reminders(*, now: dt.datetime | None = None) -> int:
    """Queue each reminder once, for confirmed learners whose course starts within its lead time.

    Returns the number of reminders queued.
    """
    now = now or timezone.now()
    sent = 0
    shorter_lead = dt.timedelta(0)
    for kind, (lead, field) in sorted(REMINDERS.items(), key=lambda item: item[1][0]):
        due = Enrolment.objects.filter(
            status=EnrolmentStatus.CONFIRMED,
            session__status=SessionStatus.SCHEDULED,
            session__starts_at__gt=now + shorter_lead,
            session__starts_at__lte=now + lead,
            **{f"{field}__isnull": True},
        ).values_list("pk", flat=True)
        for enrolment_id in list(due):
            claimed = Enrolment.objects.filter(pk=enrolment_id, **{f"{field}__isnull": True}).update(**{field: now})
            if claimed:
                emails.notify(kind, enrolment_id)
                sent += 1
        shorter_lead = lead
    return sent


def send_instalment_notices(*, now: dt.datetime | None = None) -> int:
    """Queue a notice for each scheduled charge due within ``INSTALMENT_NOTICE_DAYS``, once per instalment.

    Safe at any cadence: ``announced_at`` is set by a conditional update
    before the notice is queued. A charge already due is not announced.
    Returns the number of notices queued.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = Instalment.objects.filter(
        status=InstalmentStatus.SCHEDULED,
        announced_at__isnull=True,
        order__status=OrderStatus.ACTIVE,
        due_on__gt=today,
        due_on__lte=today + dt.timedelta(days=settings.INSTALMENT_NOTICE_DAYS),
    ).values_list("pk", flat=True)
    sent = 0
    for instalment_id in list(due):
        claimed = Instalment.objects.filter(pk=instalment_id, announced_at__isnull=True).update(announced_at=now)
        if claimed:
            emails.notify("instalment_notice", instalment_id)
            sent += 1
    return sent


def send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """Course reminders (7 days and 1 day before the start) and instalment notices; returns how many were queued.

    Safe at any cadence: each is recorded before it is queued.
    """
    now = now or timezone.now()
    return send_session_reminders(now=now) + send_instalment_notices(now=now)
