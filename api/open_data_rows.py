"""What the open-data exports publish: live courses and their sessions, in one language.

Which sessions, in one rule:

- without a session filter, every scheduled session that has not ended,
  running ones included (a portal may still show a course in progress);
- with a session filter (``month``, ``from``/``to``, ``language``, ``price``,
  ``places``), only sessions not yet started that satisfy it: the filters are
  the listing's (``courses.listing``), whose rows hold upcoming sessions only,
  so running sessions are then left out, exactly as on ``/formations/`` and
  ``/api/v1/courses/``.

Course filters (``q``, ``theme``, ``partner``, ``format``, ``level``,
``duration``) only pick courses and keep every session listed by the first
rule. Malformed values are ignored, as on the listing page.

One selector, ``open_data_feed``, reads everything in a constant number of
queries whatever the size of the catalogue: the live course pages (with
their locale), their themes and partners, the scheduled sessions that have
not ended (with venue, slots and price tiers). With listing filters, the
listing's in-memory engine (``courses.listing.catalogue_matches``) picks the
courses and sessions, which costs one more query (and three when its rows
are stale).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Prefetch
from django.http import HttpRequest
from django.utils import timezone

from catalogue.models import CoursePage
from courses.listing.context import catalogue_matches
from courses.models import PriceTier, Session, SessionStatus, TimetableSlot
from courses.selectors import TIER_ORDER


@dataclass(frozen=True)
class FeedCourse:
    """A live course page in the feed's language, its absolute URL and its sessions (see the module)."""

    page: CoursePage
    url: str
    sessions: list[Session]


@dataclass(frozen=True)
class Feed:
    """The courses of the export, by title, and when any of them last changed."""

    courses: list[FeedCourse]
    language: str
    last_modified: dt.datetime | None


def _pick(pages: list[CoursePage], language: str) -> CoursePage:
    """The page in ``language`` if live, else the default language's, else the oldest."""
    by_language = {page.locale.language_code: page for page in pages}
    return by_language.get(language) or by_language.get(settings.LANGUAGE_CODE) or min(pages, key=lambda p: p.pk)


def _sessions_by_course(now: dt.datetime) -> dict[str, list[Session]]:
    """Scheduled sessions that have not ended, soonest first, by their course's translation key."""
    sessions = (
        Session.objects.filter(status=SessionStatus.SCHEDULED, ends_at__gt=now)
        .annotate(course_key=F("course__translation_key"))
        # The course is read by Session.state (its access delay closes enrolment).
        .select_related("venue", "course")
        .prefetch_related(
            Prefetch("slots", queryset=TimetableSlot.objects.order_by("date", "start_time")),
            Prefetch("price_tiers", queryset=PriceTier.objects.order_by(TIER_ORDER)),
        )
        .order_by("starts_at", "code")
    )
    grouped: dict[str, list[Session]] = defaultdict(list)
    for session in sessions:
        grouped[str(session.course_key)].append(session)
    return grouped


def open_data_feed(*, request: HttpRequest, language: str, now: dt.datetime | None = None) -> Feed:
    """Every live course in ``language`` (or its default-language page) with its sessions.

    The listing's filters in ``request.GET`` are honoured (``lang`` is not one of them);
    which sessions are listed is the module's rule.
    """
    now = now or timezone.now()
    params = request.GET.copy()
    params.pop("lang", None)
    wanted: frozenset[str] | None = None
    session_ids: frozenset[int] | None = None
    matches = catalogue_matches(params, language=language, now=now)
    if matches is not None:
        wanted, session_ids = matches

    pages = CoursePage.objects.live().select_related("locale").prefetch_related("themes", "partners").order_by("id")
    variants: dict[str, list[CoursePage]] = defaultdict(list)
    for page in pages:
        key = str(page.translation_key)
        if wanted is None or key in wanted:
            variants[key].append(page)
    sessions = _sessions_by_course(now)

    courses = []
    stamps = []
    for key, candidates in variants.items():
        page = _pick(candidates, language)
        kept = [s for s in sessions.get(key, ()) if session_ids is None or s.id in session_ids]
        courses.append(FeedCourse(page=page, url=page.get_full_url(request) or "", sessions=kept))
        stamps.append(page.last_published_at)
        stamps.extend(session.updated_at for session in kept)
    courses.sort(key=lambda course: (course.page.title.casefold(), course.page.pk))
    return Feed(courses=courses, language=language, last_modified=max(filter(None, stamps), default=None))
