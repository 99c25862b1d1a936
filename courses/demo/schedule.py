"""Pure helpers that lay out a demo session: days, timetable slots and price tiers."""

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from courses.models import PARIS, PriceTier, PriceTierKind, TimetableSlot

HALF_DAY_HOURS = Decimal("3.5")
MORNING = (dt.time(9, 0), dt.time(12, 30))
AFTERNOON = (dt.time(13, 30), dt.time(17, 0))
FULL_DAY = (dt.time(9, 0), dt.time(17, 0))


def first_weekday(year: int, month: int, weekday: int = 0) -> dt.date:
    """The first ``weekday`` (0 = Monday) of a month."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7)


def weekdays_from(start: dt.date, count: int) -> list[dt.date]:
    """``count`` working days from ``start`` (skipping weekends)."""
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def half_days(hours: Decimal) -> int:
    return max(1, math.ceil(hours / HALF_DAY_HOURS))


def slot_times(hours: Decimal, *, online: bool, split_days: bool) -> list[list[tuple[dt.time, dt.time]]]:
    """The slots of each day for a course of ``hours``.

    Online sessions run one morning per day; in-person ones run full days,
    either as one 09:00–17:00 slot or as a morning and an afternoon slot.
    """
    count = half_days(hours)
    if online:
        return [[MORNING] for _ in range(count)]
    days: list[list[tuple[dt.time, dt.time]]] = []
    for _ in range(count // 2):
        days.append([MORNING, AFTERNOON] if split_days else [FULL_DAY])
    if count % 2:
        days.append([MORNING])
    return days


def make_slots(start: dt.date, hours: Decimal, *, online: bool, split_days: bool) -> list[TimetableSlot]:
    """Unsaved timetable slots on consecutive working days from ``start``."""
    per_day = slot_times(hours, online=online, split_days=split_days)
    return [
        TimetableSlot(date=day, start_time=begin, end_time=end)
        for day, times in zip(weekdays_from(start, len(per_day)), per_day, strict=True)
        for begin, end in times
    ]


def slot_bounds(slots: list[TimetableSlot]) -> tuple[dt.datetime, dt.datetime]:
    return min(s.starts_at for s in slots), max(s.ends_at for s in slots)


def make_price_tiers(individual: Decimal) -> list[PriceTier]:
    """The four tiers: individual (incl. tax), employer (excl. tax), reduced, free; all VAT exempt."""
    individual = individual.quantize(Decimal("1"))
    employer = (individual * Decimal("1.5")).quantize(Decimal("10"), ROUND_HALF_UP)
    reduced = (individual / 2).quantize(Decimal("10"), ROUND_HALF_UP)
    return [
        PriceTier(kind=PriceTierKind.INDIVIDUAL, amount=individual, tax_included=True, vat_exempt=True),
        PriceTier(kind=PriceTierKind.EMPLOYER, amount=employer, tax_included=False, vat_exempt=True),
        PriceTier(kind=PriceTierKind.REDUCED, amount=reduced, tax_included=True, vat_exempt=True),
        PriceTier(kind=PriceTierKind.FREE, amount=Decimal("0"), tax_included=True, vat_exempt=True),
    ]


def enrolment_window(starts_at: dt.datetime, access_delay_days: int) -> tuple[dt.datetime, dt.datetime]:
    """Enrolment opens four months before the start and closes at the course's access delay."""
    start_day = starts_at.astimezone(PARIS).date()
    opens = dt.datetime.combine(start_day - dt.timedelta(days=120), dt.time(9, 0), tzinfo=PARIS)
    closes = dt.datetime.combine(start_day - dt.timedelta(days=access_delay_days), dt.time(23, 59), tzinfo=PARIS)
    return opens, closes
