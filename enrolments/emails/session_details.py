"""What emails say about a session (course, dates, times, place) and its calendar invitation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from courses.invitations import Method, invitation_ics, session_events
from courses.models import Session
from enrolments.emails.rendering import Attachment
from enrolments.models import Enrolment, EnrolmentStatus, Order
from enrolments.models.orders import RefundStatus

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class SlotLine:
    """One day of the timetable, as an email lists it (Europe/Paris wall-clock times)."""

    date: dt.date
    start_time: dt.time
    end_time: dt.time


def session_context(session: Session, *, language: str) -> dict[str, Any]:
    """The course title and link, code, timetable and place of ``session``, in ``language``."""
    events = session_events(session, language=language)
    title = events.summary.removesuffix(f" — {session.code}")
    venue = session.venue
    return {
        "session": session,
        "course_title": title,
        "course_url": events.course_url,
        "session_code": session.code,
        "slots": [SlotLine(date, start, end) for _pk, date, start, end in events.slots],
        "starts_on": events.slots[0][1] if events.slots else None,
        "location": events.location,
        "access_notes": venue.access_notes if venue else "",
        "is_online": session.is_online,
    }


def person_name(user) -> str:
    return user.get_full_name() or user.email


def invitation(session: Session, user, *, method: Method, language: str) -> Attachment:
    """The session's calendar invitation for ``user`` as an attachment (``text/calendar; method=…``)."""
    content = invitation_ics(
        session=session,
        attendee_email=user.email,
        attendee_name=person_name(user),
        method=method,
        language=language,
    )
    filename = "invitation.ics" if method == "REQUEST" else "cancellation.ics"
    return Attachment(filename=filename, content=content, mimetype="text/calendar", params={"method": method})


def refunded_amount(order: Order | None) -> Decimal:
    """What is being (or was) refunded on ``order``: refunds not failed."""
    if order is None:
        return Decimal("0")
    total = order.refunds.exclude(status=RefundStatus.FAILED).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


def subject_course(context: dict[str, Any]) -> dict[str, str]:
    """The placeholders most subjects use."""
    return {"course": context["course_title"], "code": context["session_code"]}


def refund_due(enrolment: Enrolment) -> Decimal:
    """What the learner gets back for an ended enrolment.

    The refunds recorded on the order, once there are any. They are made by
    a task queued with this email and may not exist yet: until then, the
    share the rules give of what was paid (all of it for a withdrawal or a
    cancelled session; the cancellation terms otherwise, as
    ``enrolments.services.enrolment.enrolment_cancel`` applies them).
    """
    # Imported here: the enrolment services import this package.
    from enrolments.services.enrolment import cancellation_share, refundable

    if enrolment.order is not None and enrolment.order.is_company_order:
        # The employer paid: any refund goes to the company, never to the employee.
        return Decimal(0)
    recorded = refunded_amount(enrolment.order)
    if recorded or enrolment.order is None:
        return recorded
    percent = 100
    if enrolment.status == EnrolmentStatus.CANCELLED:
        _days, percent = cancellation_share(session=enrolment.session, now=enrolment.ended_at or timezone.now())
    _paid, refund = refundable(enrolment.order.instalments.all(), percent)
    return refund
