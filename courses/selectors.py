"""Reads of the schedule for the public pages, with their relations prefetched.

Catalogue templates reach these through ``courses.templatetags.session_tags``:
the catalogue never imports this package (imports run catalogue <- courses).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Prefetch, QuerySet, Value, When
from django.utils import timezone
from wagtail.models import Page

from courses.availability import SessionState
from courses.models import PriceTier, PriceTierKind, Session, SessionStatus, TimetableSlot

#: Price tiers in the order of PriceTierKind: individual, employer, reduced, free.
TIER_ORDER = Case(
    *(When(kind=kind, then=Value(rank)) for rank, kind in enumerate(PriceTierKind.values)), default=Value(99)
)

#: States in which the home page puts a session forward.
HOME_STATES = frozenset({SessionState.OPEN, SessionState.UPCOMING})


def _with_relations(queryset: QuerySet[Session]) -> QuerySet[Session]:
    """Everything a session card and the JSON-LD read, in a constant number of queries."""
    return queryset.select_related("venue", "course").prefetch_related(
        Prefetch("slots", queryset=TimetableSlot.objects.order_by("date", "start_time")),
        Prefetch("price_tiers", queryset=PriceTier.objects.order_by(TIER_ORDER)),
    )


def course_upcoming_sessions(*, course: Page, now: dt.datetime | None = None) -> list[Session]:
    """Sessions of ``course`` that have not ended yet, soonest first.

    Sessions point at the page they were scheduled on (usually the French
    one); a translated page finds them through the shared ``translation_key``.
    Cancelled sessions stay listed so that people who saw them learn why.
    """
    now = now or timezone.now()
    queryset = Session.objects.filter(course__translation_key=course.translation_key, ends_at__gt=now)
    return list(_with_relations(queryset).order_by("starts_at", "code"))


def catalogue_upcoming_sessions(
    *, limit: int = 6, language: str | None = None, now: dt.datetime | None = None
) -> list[Session]:
    """The next ``limit`` sessions one can enrol in now or soon, across the catalogue.

    Each session gets a ``course_page`` attribute: the live course page in
    the content language ``language`` (a ``Locale.language_code``) when it
    exists, so English visitors land on English pages, else the page the
    session was scheduled on. Slots and prices are not read: the home page
    shows dates, places and the state only.
    """
    now = now or timezone.now()
    candidates = (
        Session.objects.filter(status=SessionStatus.SCHEDULED, starts_at__gt=now, course__live=True)
        .select_related("venue", "course", "course__locale")
        .order_by("starts_at", "code")
    )
    # States depend on enrolment windows and places; look at a bounded
    # window of candidates rather than at every future session.
    sessions = [s for s in candidates[: limit * 4] if s.state(now) in HOME_STATES][:limit]
    _attach_localized_courses(sessions, language)
    return sessions


def _attach_localized_courses(sessions: list[Session], language: str | None) -> None:
    """Set ``session.course_page`` to the course in ``language`` (one query, when any is in another language)."""
    localized: dict = {}
    if language is not None:
        keys = {s.course.translation_key for s in sessions if s.course.locale.language_code != language}
        if keys:
            pages = Page.objects.live().filter(translation_key__in=keys, locale__language_code=language)
            localized = {page.translation_key: page for page in pages}
    for session in sessions:
        session.course_page = localized.get(session.course.translation_key, session.course)
