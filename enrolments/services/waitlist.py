"""The waitlist of a full session: first come, first served, with time-limited offers.

A freed place is kept for the next person (it stays counted in
``places_taken``) until they enrol or the offer expires, then passes on.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.availability import SessionState
from courses.models import Session
from enrolments import emails
from enrolments.models import Enrolment, WaitlistEntry, WaitlistStatus
from enrolments.models.enrolment import PLACE_USING_STATUSES
from enrolments.services.capacity import free_places, lock_session, sweep_sessions, take_places
from enrolments.services.errors import EnrolmentRefused

LIVE = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


def waitlist_join(*, session: Session, person, now: dt.datetime | None = None) -> WaitlistEntry:
    """Put ``person`` on the waitlist of a full session (idempotent)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_session(session.pk)
        if locked.state(now) != SessionState.FULL:
            raise EnrolmentRefused(_("This session is not full: you can enrol directly."))
        if Enrolment.objects.filter(session=locked, learner=person, status__in=PLACE_USING_STATUSES).exists():
            raise EnrolmentRefused(_("You are already enrolled in this session."))
        entry, _created = WaitlistEntry.objects.get_or_create(
            session=locked, person=person, status__in=LIVE, defaults={"status": WaitlistStatus.WAITING}
        )
        return entry


def waitlist_leave(*, entry: WaitlistEntry, now: dt.datetime | None = None) -> WaitlistEntry:
    """Leave the waitlist; a place kept for this person passes to the next one."""
    now = now or timezone.now()
    with transaction.atomic():
        session = lock_session(entry.session_id)
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status not in LIVE:
            return entry
        was_offered = entry.status == WaitlistStatus.OFFERED
        entry.status = WaitlistStatus.LEFT
        entry.save(update_fields=["status", "updated_at"])
        if was_offered:
            free_places(session)
            offer_free_places(session=session, now=now)
        return entry


def offer_free_places(*, session: Session, now: dt.datetime) -> int:
    """Offer the free places of a LOCKED session to the people waiting, in order.

    Called inside the transaction that freed a place. Returns the number of offers made.
    """
    if session.state(now) not in (SessionState.OPEN, SessionState.UPCOMING):
        return 0
    offers = 0
    waiting = WaitlistEntry.objects.filter(session=session, status=WaitlistStatus.WAITING).order_by("created_at", "pk")
    for entry in waiting:
        if session.places_taken >= session.capacity:
            break
        take_places(session)
        entry.status = WaitlistStatus.OFFERED
        entry.offer_expires_at = now + dt.timedelta(hours=settings.WAITLIST_OFFER_HOURS)
        entry.save(update_fields=["status", "offer_expires_at", "updated_at"])
        emails.notify("waitlist_offer", entry.pk)
        offers += 1
    return offers


def claim_offer(*, session: Session, person, now: dt.datetime) -> bool:
    """Inside a locked enrolment: turn this person's live offer into their place.

    Returns True when an offer covered the place (it is already counted).
    """
    entry = WaitlistEntry.objects.select_for_update().filter(session=session, person=person, status__in=LIVE).first()
    if entry is None:
        return False
    # An offer past its time but not yet passed on still holds its counted place:
    # nobody else has it, so the person may use it.
    offered = entry.status == WaitlistStatus.OFFERED
    # Enrolling takes the person off the waitlist, whether a place was kept for them or not.
    entry.status = WaitlistStatus.ACCEPTED
    entry.save(update_fields=["status", "updated_at"])
    return offered


def expire_offers(*, now: dt.datetime | None = None) -> int:
    """Expire offers not taken in time and pass each place to the next person."""
    now = now or timezone.now()

    def release(session: Session) -> int:
        stale = list(
            WaitlistEntry.objects.select_for_update().filter(
                session=session, status=WaitlistStatus.OFFERED, offer_expires_at__lte=now
            )
        )
        for entry in stale:
            entry.status = WaitlistStatus.EXPIRED
            entry.save(update_fields=["status", "updated_at"])
        if stale:
            free_places(session, len(stale))
        return len(stale)

    return sweep_sessions(
        stale_rows=WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED, offer_expires_at__lte=now),
        release=release,
        now=now,
    )
