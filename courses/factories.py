"""factory_boy factories for sessions, slots and price tiers."""

import datetime as dt
from decimal import Decimal

import factory

from courses.models import PriceTier, PriceTierKind, Session, TimetableSlot, Venue


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Campus {n}")
    street_address = "15 parvis René Descartes"
    postal_code = "69007"
    city = "Lyon"


def make_slots(start: dt.date, days: int = 2, start_time=dt.time(9, 0), end_time=dt.time(17, 0)):
    """Consecutive day slots from ``start`` (unsaved; pass to SessionFactory)."""
    return [
        TimetableSlot(date=start + dt.timedelta(days=i), start_time=start_time, end_time=end_time) for i in range(days)
    ]


def make_price_tiers(individual: Decimal = Decimal("900.00")):
    """The four standard tiers (unsaved; pass to SessionFactory)."""
    return [
        PriceTier(kind=PriceTierKind.INDIVIDUAL, amount=individual, tax_included=True, vat_exempt=True),
        PriceTier(kind=PriceTierKind.EMPLOYER, amount=individual * Decimal("1.5"), tax_included=False, vat_exempt=True),
        PriceTier(kind=PriceTierKind.REDUCED, amount=individual / 2, tax_included=True, vat_exempt=True),
        PriceTier(kind=PriceTierKind.FREE, amount=Decimal("0"), tax_included=True, vat_exempt=True),
    ]


class SessionFactory(factory.django.DjangoModelFactory):
    """A session with two day slots and the four price tiers.

    Pass ``course=`` (a CoursePage) and optionally ``start=`` (a date),
    ``days=``, ``slots=`` or ``price_tiers=``.
    """

    class Meta:
        model = Session
        exclude = ("start", "days")

    start = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=60))
    days = 2
    code = factory.Sequence(lambda n: f"TST-{n:05d}")
    venue = factory.SubFactory(VenueFactory)
    capacity = 12
    languages = factory.LazyFunction(lambda: ["fr"])
    slots = factory.LazyAttribute(lambda o: make_slots(o.start, o.days))
    price_tiers = factory.LazyFunction(make_price_tiers)
