"""Sessions for the generated benchmark catalogue, written with bulk inserts.

Session.save() derives the start and end from the slots; here they are
computed up front so that sessions, slots and price tiers can each be
inserted in a few queries.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from catalogue.models import CoursePage
from courses.demo.schedule import enrolment_window, first_weekday, make_price_tiers, make_slots, slot_bounds
from courses.demo.sessions import MONTHS
from courses.models import PriceTier, Session, TimetableSlot, Venue

BATCH_SIZE = 500


def generated_code(course: CoursePage, run: int) -> str:
    """A stable code for a generated session, e.g. GEN-00042-2."""
    number = course.slug.split("-")[1]  # slugs are "gen-00042-…"
    return f"GEN-{number}-{run}"


def build_generated_sessions(courses: list[CoursePage], per_course: int, *, now: dt.datetime) -> int:
    """Add ``per_course`` sessions to each generated course (the missing ones only)."""
    venues = list(Venue.objects.order_by("pk"))
    existing = set(Session.objects.filter(code__startswith="GEN-").values_list("code", flat=True))
    sessions, children = [], []
    for course in courses:
        number = int(course.slug.split("-")[1])
        for run in range(per_course):
            code = generated_code(course, run)
            if code in existing:
                continue
            year, month = MONTHS[(number * 5 + run * 11) % len(MONTHS)]
            hours = course.duration_hours or Decimal("14")
            online = not venues or (number + run) % 4 == 0
            slots = make_slots(
                first_weekday(year, month) + dt.timedelta(weeks=run % 3), hours, online=online, split_days=run % 2 == 0
            )
            starts_at, ends_at = slot_bounds(slots)
            opens, closes = enrolment_window(starts_at, course.access_delay_days or 7)
            capacity = 10 + (number + run) % 15
            session = Session(
                code=code,
                course=course,
                starts_at=starts_at,
                ends_at=ends_at,
                venue=None if online else venues[(number + run) % len(venues)],
                is_online=online,
                capacity=capacity,
                places_taken=capacity if ends_at <= now or (number + run) % 6 == 0 else (number * run) % capacity,
                languages=["fr"],
                enrolment_opens_at=opens,
                enrolment_closes_at=closes,
            )
            sessions.append(session)
            children.append((slots, make_price_tiers(course.price_from or Decimal("900"))))
    with transaction.atomic():
        Session.objects.bulk_create(sessions, batch_size=BATCH_SIZE)
        slot_rows, tier_rows = [], []
        for session, (slots, tiers) in zip(sessions, children, strict=True):
            for row in (*slots, *tiers):
                row.session_id = session.pk
            slot_rows.extend(slots)
            tier_rows.extend(tiers)
        TimetableSlot.objects.bulk_create(slot_rows, batch_size=BATCH_SIZE)
        PriceTier.objects.bulk_create(tier_rows, batch_size=BATCH_SIZE)
    return len(sessions)
