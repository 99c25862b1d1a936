"""Template tags that expose the schedule to the catalogue templates.

The catalogue package never imports ``courses``; its templates load these
tags instead (``{% load session_tags %}``).
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Page

from courses.models import PriceTier, Session
from courses.selectors import catalogue_upcoming_sessions, course_upcoming_sessions

register = template.Library()


@register.simple_tag
def course_sessions(course: Page) -> list[Session]:
    """``{% course_sessions page as sessions %}``: the course's sessions not yet ended."""
    return course_upcoming_sessions(course=course)


def _active_content_language() -> str:
    """The language code of ``Locale.get_active()``, without reading the locale."""
    try:
        return get_supported_content_language_variant(translation.get_language())
    except LookupError:
        return get_supported_content_language_variant(settings.LANGUAGE_CODE)


@register.simple_tag
def upcoming_sessions(limit: int = 6) -> list[Session]:
    """``{% upcoming_sessions 6 as sessions %}``: the next sessions open or opening soon."""
    return catalogue_upcoming_sessions(limit=limit, language=_active_content_language())


def _calendar_url(name: str, **kwargs: str) -> str:
    # Calendar clients rarely send Accept-Language: pages in another language
    # than the default one say which language the feed should be written in.
    url = reverse(f"calendar:{name}", kwargs=kwargs)
    language = translation.get_language() or settings.LANGUAGE_CODE
    return url if language == settings.LANGUAGE_CODE else f"{url}?{urlencode({'lang': language})}"


@register.simple_tag
def session_ics_url(session: Session) -> str:
    """Path of the session's iCalendar file (``/calendar/sessions/<code>.ics``)."""
    return _calendar_url("session", code=session.code)


@register.simple_tag
def course_ics_url(course: Page) -> str:
    """Path of the course's iCalendar feed (``/calendar/courses/<slug>.ics``)."""
    return _calendar_url("course", slug=course.slug)


@register.filter
def euros(amount: Decimal | None) -> str:
    """Format an amount in euros for the active language: ``1 350 €``, ``1 350,50 €``."""
    if amount is None:
        return ""
    decimals = 0 if amount == amount.to_integral_value() else 2
    number = number_format(amount, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    return f"{number}\u00a0€"


@register.filter
def tax_mention(tier: PriceTier) -> str:
    """How the tier's amount relates to VAT: exempt, tax included or tax excluded."""
    if tier.vat_exempt:
        return _("VAT exempt")
    if tier.tax_included:
        return _("incl. VAT")
    return _("excl. VAT")
