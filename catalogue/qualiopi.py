"""Qualiopi indicator 1: what a course page must show before it is published.

The checklist reads attributes only, so it works on a ``CoursePage`` built
from the database, from a revision or from a form that is being validated.
Catalogue code must not import ``courses``; nothing here needs it.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.actions.publish_page_revision import PublishPagePermissionError

from catalogue.blocks import syllabus_total_hours


def has_text(value: Any) -> bool:
    """True when a plain or rich text value holds visible text.

    Empty rich text from the editor (``<p></p>``, ``<p data-block-key="x"><br/></p>``,
    non-breaking spaces) counts as missing.
    """
    if value is None:
        return False
    text = html.unescape(strip_tags(str(value)))
    return bool(text.replace("\xa0", " ").strip())


def _positive(value: Any) -> bool:
    if value in (None, ""):
        return False
    try:
        return Decimal(str(value)) > 0
    except (InvalidOperation, ValueError):
        return False


def syllabus_hours(page: Any) -> Decimal:
    """Hours of the syllabus modules, computed afresh (the page may be mid-edit)."""
    return syllabus_total_hours(getattr(page, "syllabus", None))


@dataclass(frozen=True)
class ChecklistItem:
    """One indicator-1 item: its label, the fields it reads and its test."""

    key: str
    label: Promise
    fields: tuple[str, ...]
    is_present: Callable[[Any], bool]

    def missing_fields(self, page: Any) -> tuple[str, ...]:
        """The fields to flag in the editor when this item is missing."""
        empty = tuple(name for name in self.fields if not has_text(getattr(page, name, None)))
        return empty or self.fields[:1]


def _text(field: str) -> Callable[[Any], bool]:
    return lambda page: has_text(getattr(page, field, None))


def _all_text(*fields: str) -> Callable[[Any], bool]:
    return lambda page: all(has_text(getattr(page, field, None)) for field in fields)


def _duration(page: Any) -> bool:
    return _positive(getattr(page, "duration_hours", None)) or syllabus_hours(page) > 0


def _access_delay(page: Any) -> bool:
    return getattr(page, "access_delay_days", None) is not None


def _prices(page: Any) -> bool:
    return getattr(page, "price_from", None) is not None or has_text(getattr(page, "pricing_note", None))


#: The checklist, in the order the course sheet presents it.
CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem("objectives", _("Objectives"), ("objectives",), _text("objectives")),
    ChecklistItem("prerequisites", _("Prerequisites"), ("prerequisites",), _text("prerequisites")),
    ChecklistItem("audience", _("Target audience"), ("audience",), _text("audience")),
    ChecklistItem("duration", _("Duration in hours"), ("duration_hours",), _duration),
    ChecklistItem(
        "modalities",
        _("Format and how to access"),
        ("format", "access_modalities"),
        _all_text("format", "access_modalities"),
    ),
    ChecklistItem("access_delay", _("Access delay"), ("access_delay_days",), _access_delay),
    ChecklistItem("prices", _("Prices"), ("price_from", "pricing_note"), _prices),
    ChecklistItem(
        "contact",
        _("Contact (name and email)"),
        ("contact_name", "contact_email"),
        _all_text("contact_name", "contact_email"),
    ),
    ChecklistItem("teaching_methods", _("Teaching methods"), ("teaching_methods",), _text("teaching_methods")),
    ChecklistItem("assessment_methods", _("Assessment methods"), ("assessment_methods",), _text("assessment_methods")),
    ChecklistItem(
        "accessibility",
        _("Accessibility for disabled people (text and named contact)"),
        ("accessibility", "accessibility_contact_name"),
        _all_text("accessibility", "accessibility_contact_name"),
    ),
)


def missing_checklist_items(page: Any) -> list[ChecklistItem]:
    """The checklist items the page does not fill, in checklist order."""
    return [item for item in CHECKLIST if not item.is_present(page)]


def missing_items(page: Any) -> list[str]:
    """Translated labels of the indicator-1 items the page is missing."""
    return [str(item.label) for item in missing_checklist_items(page)]


@dataclass(frozen=True)
class Completeness:
    """How much of the checklist a page fills, for the completeness report."""

    done: int
    total: int
    missing: list[str]

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def is_complete(self) -> bool:
        return not self.missing


def completeness(page: Any) -> Completeness:
    """Score a page against the checklist."""
    missing = missing_items(page)
    return Completeness(done=len(CHECKLIST) - len(missing), total=len(CHECKLIST), missing=missing)


def refusal_message(labels: list[str]) -> str:
    """The sentence shown to an editor whose publication is refused."""
    return _("This course cannot be published until these Qualiopi items are filled in: %(items)s.") % {
        "items": ", ".join(labels)
    }


class IncompleteCoursePageError(PublishPagePermissionError):
    """Raised when something tries to publish a course page that misses indicator-1 items.

    A publish permission error (hence ``PermissionDenied``): admin views answer
    403 rather than 500, and callers that handle Wagtail's refusals handle it.
    """

    def __init__(self, labels: list[str]):
        self.missing = labels
        super().__init__(refusal_message(labels))


def ensure_publishable(page: Any) -> None:
    """Raise ``IncompleteCoursePageError`` if the page misses any indicator-1 item."""
    labels = missing_items(page)
    if labels:
        raise IncompleteCoursePageError(labels)
