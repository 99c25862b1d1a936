"""What the enrolment pages show about a session: its course in the page's language, and the house terms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode

from courses.models import Session
from enrolments.services.schedule import PlannedInstalment, plan_instalments
from enrolments.views import enrolment_queries as queries


def session_context(session: Session, now: dt.datetime) -> dict:
    """What every step shows about the session and its course, in the page's language."""
    course = queries.localized_course(session, translation.get_language())
    return {
        "session": session,
        "course": course,
        "trainers": queries.course_trainers(course),
        "state": session.state(now),
        "hold_minutes": settings.ENROLMENT_HOLD_MINUTES,
        "withdrawal_days": settings.WITHDRAWAL_PERIOD_DAYS,
        "deposit_percent": settings.DEPOSIT_PERCENT,
        "cancellation_terms": cancellation_lines(settings.CANCELLATION_TERMS),
    }


def planned_schedule(session: Session, total: Decimal, now: dt.datetime) -> list[PlannedInstalment]:
    """The payment schedule as it would be planned if the contract started today (provisional)."""
    return plan_instalments(
        total=total,
        withdrawal_ends_on=timezone.localdate(now) + dt.timedelta(days=settings.WITHDRAWAL_PERIOD_DAYS),
        starts_on=timezone.localdate(session.starts_at),
        ends_on=timezone.localdate(session.ends_at),
        deposit_percent=settings.DEPOSIT_PERCENT,
        max_balance_instalments=settings.BALANCE_MAX_INSTALMENTS,
        single_charge_max_days=settings.BALANCE_SINGLE_CHARGE_MAX_DAYS,
    )


def cancellation_lines(terms: list[tuple[int, int]]) -> list[dict]:
    """The cancellation terms as ranges of days before the start, with the share refunded.

    ``terms`` lists (days before the start, percent refunded), most generous
    first. Each line has ``min_days``, ``below`` (the previous line's days,
    None for the first) and ``percent``.
    """
    lines = []
    below: int | None = None
    for min_days, percent in terms:
        lines.append({"min_days": min_days, "below": below, "percent": percent})
        below = min_days
    return lines


def conditions_url(session: Session, funding: str) -> str:
    """The conditions step for ``funding`` (self-funded or free place)."""
    return f"{reverse('enrol:conditions', args=[session.code])}?{urlencode({'funding': funding})}"
