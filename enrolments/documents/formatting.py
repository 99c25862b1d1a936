"""Amounts and dates written the way the active language writes them.

Call these under ``translation.override(language)``: documents are written in
the language of the invoice or of the learner, not of whoever renders them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext


def money(amount: Decimal, currency: str = "EUR") -> str:
    """1234.5 → "1 234,50 €" in French, "1,234.50 €" in English (as the catalogue writes prices)."""
    number = number_format(amount, decimal_pos=2, force_grouping=True)
    if currency == "EUR":
        return gettext("%(amount)s €") % {"amount": number}
    return f"{number} {currency}"


def percent(rate: Decimal) -> str:
    """20.00 → "20 %", 5.50 → "5,5 %"."""
    rate = Decimal(rate).normalize()
    decimals = 0 if rate == rate.to_integral_value() else 2
    return gettext("%(rate)s %%") % {"rate": number_format(rate, decimal_pos=decimals)}


def long_date(value: dt.date | dt.datetime) -> str:
    """A date ("12 mars 2027"); a datetime is read in the site's time zone first."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return date_format(value, "DATE_FORMAT")


def long_datetime(value: dt.datetime) -> str:
    """A moment in the site's time zone ("12 mars 2027 14:03")."""
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def date_range(start: dt.date, end: dt.date) -> str:
    """ "12 mars 2027", or "from 12 mars 2027 to 13 mars 2027"."""
    if start == end:
        return long_date(start)
    return gettext("from %(start)s to %(end)s") % {"start": long_date(start), "end": long_date(end)}
