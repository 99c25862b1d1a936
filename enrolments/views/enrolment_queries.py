"""Reads of the enrolment flow: the session and its course, the learner's place, their waitlist entry."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404

from catalogue.models import CoursePage, Trainer
from courses.models import PriceTier, PriceTierKind, Session, TimetableSlot
from enrolments.models import Enrolment, EnrolmentStatus, Funding, Instalment, WaitlistEntry, WaitlistStatus
from enrolments.models.enrolment import PLACE_USING_STATUSES

TIER_FOR_FUNDING = {Funding.SELF: PriceTierKind.INDIVIDUAL, Funding.FREE: PriceTierKind.FREE}


def session_for_flow(code: str) -> Session:
    """The session with this code, its venue, course, slots and prices; 404 if unknown or unpublished."""
    session = get_object_or_404(
        Session.objects.select_related("course", "venue").prefetch_related(
            Prefetch("slots", queryset=TimetableSlot.objects.order_by("date", "start_time")), "price_tiers"
        ),
        code=code,
    )
    if not session.course.live:
        raise Http404("unpublished course")
    return session


def localized_course(session: Session, language: str) -> CoursePage:
    """The live course page in ``language`` when translated, else the page the session was scheduled on."""
    course = session.course
    if course.locale.language_code == language:
        return course
    translation = (
        CoursePage.objects.live().filter(translation_key=course.translation_key, locale__language_code=language).first()
    )
    return translation or course


def course_trainers(course: CoursePage) -> list[Trainer]:
    return list(Trainer.objects.filter(courses=course).select_related("organisation").order_by("name"))


def price_tier(session: Session, funding: str) -> PriceTier | None:
    """The price tier that applies to ``funding`` (read from the prefetched tiers)."""
    kind = TIER_FOR_FUNDING.get(funding)
    return next((tier for tier in session.price_tiers.all() if tier.kind == kind), None)


def live_enrolment(session: Session, learner, now: dt.datetime) -> Enrolment | None:
    """The learner's place in the session: confirmed, completed, or a hold not yet expired."""
    enrolment = (
        Enrolment.objects.filter(session=session, learner=learner, status__in=PLACE_USING_STATUSES)
        .select_related("order")
        .first()
    )
    if enrolment and enrolment.status == EnrolmentStatus.HELD and enrolment.hold_expires_at <= now:
        return None
    return enrolment


def live_waitlist_entry(session: Session, person) -> WaitlistEntry | None:
    return WaitlistEntry.objects.filter(
        session=session, person=person, status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED]
    ).first()


def has_live_offer(entry: WaitlistEntry | None, now: dt.datetime) -> bool:
    """Whether a freed place is kept for this person right now."""
    return bool(
        entry and entry.status == WaitlistStatus.OFFERED and entry.offer_expires_at and entry.offer_expires_at > now
    )


def waitlist_position(entry: WaitlistEntry) -> int:
    """1 for the next person to be offered a place."""
    ahead = WaitlistEntry.objects.filter(
        session_id=entry.session_id, status=WaitlistStatus.WAITING, created_at__lt=entry.created_at
    ).count()
    return ahead + 1


def learner_enrolment(public_id: uuid.UUID, learner) -> Enrolment:
    """The learner's own enrolment with its session, course and schedule; 404 for anyone else's."""
    return get_object_or_404(
        Enrolment.objects.select_related("session", "session__course", "session__venue", "order").prefetch_related(
            Prefetch("order__instalments", queryset=Instalment.objects.order_by("number"))
        ),
        public_id=public_id,
        learner=learner,
    )
