"""Accessible form controls: a field's help text and errors are linked to its input.

Django 5.2 links the help text through ``aria-describedby`` but not the
errors, so screen readers would not read why a value was refused. The ids
used here match the ones ``templates/account/includes/form_field.html``
gives to the help text and error list.
"""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


def help_id(field: BoundField) -> str:
    return f"{field.auto_id}_helptext"


def errors_id(field: BoundField) -> str:
    return f"{field.auto_id}_errors"


@register.simple_tag
def form_control(field: BoundField) -> SafeString:
    """Render the field's widget with ``aria-describedby`` pointing at its help text and errors.

    Placeholders are dropped: every control has a visible label, and a
    placeholder repeating it only adds noise (allauth sets one on each field).
    """
    described_by = []
    if field.help_text:
        described_by.append(help_id(field))
    if field.errors:
        described_by.append(errors_id(field))
    attrs = {"aria-describedby": " ".join(described_by)} if described_by else {}
    field.field.widget.attrs.pop("placeholder", None)
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: BoundField) -> bool:
    """Whether the field is a single checkbox, whose label follows the box."""
    return getattr(field.field.widget, "input_type", "") == "checkbox"


@register.simple_tag
def refused_fields(form) -> list[BoundField]:
    """The form's fields that carry errors, in display order (hidden ones included)."""
    return [field for field in form if field.errors]
