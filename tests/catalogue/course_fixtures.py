"""Shared builders for the public-page tests: a fully described course and text helpers."""

import datetime as dt
import re
from decimal import Decimal
from html import unescape

from django.utils import translation
from wagtail.rich_text import RichText

from catalogue.factories import CoursePageFactory, PartnerFactory, ThemeFactory, TrainerFactory
from catalogue.models import CoursePage
from courses.factories import SessionFactory, VenueFactory
from courses.models import Session

_INLINE_TAGS = re.compile(r"</?(?:a|abbr|b|em|i|span|strong|time)\b[^>]*>")
_TAGS = re.compile(r"<[^>]+>")
# Collapse ASCII white space only: non-breaking spaces are part of what people read (1 350 €).
_SPACES = re.compile(r"[ \t\n\r\f\v]+")


def visible_text(response, *, after: str = "") -> str:
    """The page's text as a person reads it: tags removed, entities decoded, spaces collapsed.

    ``after`` starts the text at the first occurrence of that HTML snippet.
    """
    html = response.content.decode()
    if after:
        html = html[html.index(after) :]
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    html = _TAGS.sub(" ", _INLINE_TAGS.sub("", html))
    return _SPACES.sub(" ", unescape(html))


def in_french(msgid: str, **values) -> str:
    """What a French visitor reads for an English msgid (whatever the .po says today)."""
    with translation.override("fr"):
        text = translation.gettext(msgid)
    return text % values if values else text


def in_french_plural(singular: str, plural: str, count: int, **values) -> str:
    """The French form of a plural message for ``count`` (as ``{% blocktranslate count %}`` renders it)."""
    with translation.override("fr"):
        text = translation.ngettext(singular, plural, count)
    return text % {"counter": count, **values}


def build_full_course(catalogue_page, **overrides) -> CoursePage:
    """A course with every indicator-1 item, a trainer, a partner, a certification and results."""
    theme = ThemeFactory(name="IA frugale", slug="ia-frugale")
    partner = PartnerFactory(name="Université Jean Monnet", slug="ujm")
    trainer = TrainerFactory(
        name="Inès Berthier", job_title="Professeure", qualifications="Doctorat en apprentissage statistique."
    )
    values = {
        "title": "Apprentissage profond frugal",
        "slug": "apprentissage-profond-frugal",
        "syllabus": [
            ("module", {"title": "Compression de modèles", "hours": Decimal("7"), "description": RichText("")}),
            ("module", {"title": "Distillation", "hours": Decimal("3.5"), "description": RichText("<p>TP</p>")}),
        ],
        "certification_title": "Concevoir des modèles sobres",
        "certification_code": "RS6154",
        "certifier": "ENS de Lyon",
        "satisfaction_rate": 92,
        "completion_rate": 88,
        "contact_phone": "04 72 00 00 00",
        "pricing_note": "Tarif réduit sur justificatif.",
    }
    values.update(overrides)
    return CoursePageFactory(parent=catalogue_page, themes=[theme], partners=[partner], trainers=[trainer], **values)


def open_session(course, *, days_ahead: int = 60, **kwargs) -> Session:
    """A scheduled in-person session open for enrolment, in Lyon."""
    kwargs.setdefault("venue", VenueFactory(name="Campus Monod", street_address="46 allée d'Italie"))
    return SessionFactory(course=course, start=dt.date.today() + dt.timedelta(days=days_ahead), **kwargs)
