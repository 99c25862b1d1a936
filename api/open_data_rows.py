"""What the open-data exports publish: live courses and their upcoming sessions, in one language.

One selector, ``open_data_feed``, reads everything in a constant number of
queries whatever the size of the catalogue: the live course pages (with
their locale), their themes and partners, the scheduled sessions that have
not ended (with venue, slots and price tiers). With listing filters, the
listing's in-memory engine (``courses.listing``) picks the courses and
sessions, which costs one more query (and three when its rows are stale).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Prefetch
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from catalogue.models import CoursePage
from courses.listing.context import resolve, results
from courses.listing.filters import SORT_NEXT, parse_params
from courses.listing.rows import get_catalogue
from courses.listing.snapshot import read_snapshot
from courses.models import PriceTier, Session, SessionStatus, TimetableSlot
from courses.selectors import TIER_ORDER

#: Listing parameters that restrict sessions rather than courses (see ``courses.listing.filters``).
SESSION_FILTERS = ("month", "from", "to", "language", "price", "places")


@dataclass(frozen=True)
class FeedCourse:
    """A live course page in the feed's language, its absolute URL and its upcoming sessions."""

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


def _filtered(params: QueryDict, language: str, now: dt.datetime) -> tuple[set[str], set[int] | None]:
    """Course keys matching the listing's filters, and the session ids kept (None: all of theirs)."""
    parsed, _notices = parse_params(params)
    snapshot = read_snapshot(language)
    catalogue = get_catalogue(language, snapshot.stamp)
    _params, selection, _more = resolve(parsed, snapshot.lookups, catalogue)
    outcome, _matches = results(catalogue, selection, SORT_NEXT, now)
    keys = {match.row.key for match in outcome.matches}
    if not any(name in params for name in SESSION_FILTERS):
        return keys, None
    return keys, {session.id for match in outcome.matches for session in match.sessions}


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
    """Every live course in ``language`` (or its default-language page) with its upcoming sessions.

    The listing's filters in ``request.GET`` are honoured (``lang`` is not one of them).
    """
    now = now or timezone.now()
    params = request.GET.copy()
    params.pop("lang", None)
    wanted: set[str] | None = None
    session_ids: set[int] | None = None
    if parse_params(params)[0].has_filters:
        wanted, session_ids = _filtered(params, language, now)

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
