"""Model fields used by the catalogue."""

from django import forms
from django.db import models
from django.utils.text import capfirst


class MultipleChoiceJSONField(models.JSONField):
    """A list of choice values stored as JSON, edited as checkboxes.

    Portable across SQLite and PostgreSQL (no ArrayField), and rendered in
    the Wagtail editor as a group of checkboxes rather than raw JSON.
    """

    def __init__(self, *args, choices=None, **kwargs):
        self.multiple_choices = list(choices or [])
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["choices"] = self.multiple_choices
        return name, path, args, kwargs

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        allowed = {key for key, _label in self.multiple_choices}
        unknown = [item for item in value or [] if item not in allowed]
        if unknown:
            from django.core.exceptions import ValidationError

            raise ValidationError(f"Unknown values: {', '.join(map(str, unknown))}")

    def formfield(self, **kwargs):
        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.multiple_choices,
            "widget": forms.CheckboxSelectMultiple,
            "required": not self.blank,
        }
        defaults.update(kwargs)
        form_class = defaults.pop("form_class")
        for key in ("encoder", "decoder", "max_length"):
            defaults.pop(key, None)
        return form_class(label=capfirst(self.verbose_name), help_text=self.help_text, **defaults)
