"""The demo schedule: about a hundred sessions of the demo courses, 2026 to 2029.

The plan is a pure function of the course table and the current time (which
decides how many places past sessions used); ``build_sessions`` saves the
sessions missing from the database, keyed on their code.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from catalogue.choices import CourseFormat
from catalogue.demo.builder import theme_prefix
from catalogue.demo.specs import CourseSpec
from catalogue.models import CoursePage
from courses.demo.schedule import enrolment_window, first_weekday, make_price_tiers, make_slots, slot_bounds
from courses.demo.venues import PARTNER_VENUES, SAINT_ETIENNE
from courses.models import Session, SessionStatus, Venue

SESSIONS_PER_COURSE = 3
# Teaching months, January 2026 to December 2029; nothing runs in August.
MONTHS = [(year, month) for year in range(2026, 2030) for month in range(1, 13) if month != 8]
CANCELLED = ("apprentissage-sur-graphes", 1)  # (course slug, session number): the one cancelled session


@dataclass(frozen=True)
class SessionPlan:
    """One planned session, before it is saved."""

    code: str
    course_slug: str
    start: dt.date
    hours: Decimal
    venue_key: str | None
    is_online: bool
    split_days: bool
    languages: tuple[str, ...]
    capacity: int
    access_delay_days: int
    price: Decimal
    status: str
    fill: int  # how full, 0 to 6 sixths; 6 means full

    def places_taken(self, ends_at: dt.datetime, now: dt.datetime) -> int:
        if ends_at <= now and self.status == SessionStatus.SCHEDULED:
            return self.capacity - (self.fill % 4)  # past sessions were well attended
        return self.capacity * self.fill // 6


def _venue_key(spec: CourseSpec, course_number: int, run: int) -> str:
    home = next((PARTNER_VENUES[slug] for slug in spec.partners if slug in PARTNER_VENUES), "monod")
    if run == 1 and (home in SAINT_ETIENNE or course_number % 3 == 0):
        return SAINT_ETIENNE[course_number % 2]
    return home


def plan_course(spec: CourseSpec, course_number: int) -> list[SessionPlan]:
    """The demo sessions of one course, spread over the four years."""
    plans = []
    for run in range(SESSIONS_PER_COURSE):
        year, month = MONTHS[(course_number * 7 + run * 15) % len(MONTHS)]
        start = first_weekday(year, month, weekday=course_number % 2) + dt.timedelta(weeks=(course_number + run) % 3)
        online = spec.format == CourseFormat.ONLINE or (
            spec.format == CourseFormat.IN_PERSON and run == 2 and course_number % 4 == 0
        )
        languages = ("en",) if run == 2 and "en" in spec.languages else ("fr",)
        fill = 6 if (course_number + 2 * run) % 7 == 0 else (course_number + run) % 5
        plans.append(
            SessionPlan(
                code=f"{theme_prefix(spec.theme)}-{spec.acronym}-{year}-{month:02d}",
                course_slug=spec.slug,
                start=start,
                hours=spec.duration_hours,
                venue_key=None if online else _venue_key(spec, course_number, run),
                is_online=online or spec.format == CourseFormat.BLENDED,
                split_days=course_number % 2 == 0,
                languages=languages,
                capacity=10 + (course_number * 7 + run * 3) % 15,
                access_delay_days=spec.access_delay_days,
                price=Decimal(spec.price),
                status=SessionStatus.CANCELLED if (spec.slug, run) == CANCELLED else SessionStatus.SCHEDULED,
                fill=fill,
            )
        )
    return plans


def plan_sessions(specs: list[CourseSpec]) -> list[SessionPlan]:
    return [plan for number, spec in enumerate(specs) for plan in plan_course(spec, number)]


def build_session(plan: SessionPlan, *, course: CoursePage, venues: dict[str, Venue], now: dt.datetime) -> Session:
    """Save one planned session with its timetable and price tiers."""
    slots = make_slots(plan.start, plan.hours, online=plan.venue_key is None, split_days=plan.split_days)
    starts_at, ends_at = slot_bounds(slots)
    opens, closes = enrolment_window(starts_at, plan.access_delay_days)
    session = Session(
        code=plan.code,
        course=course,
        status=plan.status,
        venue=venues[plan.venue_key] if plan.venue_key else None,
        is_online=plan.is_online,
        capacity=plan.capacity,
        places_taken=plan.places_taken(ends_at, now),
        languages=list(plan.languages),
        enrolment_opens_at=opens,
        enrolment_closes_at=closes,
        slots=slots,
        price_tiers=make_price_tiers(plan.price),
    )
    session.save()
    return session


def build_sessions(
    specs: list[CourseSpec], *, courses: dict[str, CoursePage], venues: dict[str, Venue], now: dt.datetime
) -> int:
    """Save the planned sessions that do not exist yet; return how many were created."""
    existing = set(Session.objects.values_list("code", flat=True))
    created = 0
    for plan in plan_sessions(specs):
        if plan.code in existing:
            continue
        build_session(plan, course=courses[plan.course_slug], venues=venues, now=now)
        existing.add(plan.code)
        created += 1
    return created
