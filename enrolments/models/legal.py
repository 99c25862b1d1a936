"""Versioned legal texts a learner accepts before enrolling (L6353-8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.fields import RichTextField


class LegalTextKind(models.TextChoices):
    TERMS_OF_SALE = "terms_of_sale", _("Terms of sale")
    INTERNAL_RULES = "internal_rules", _("Internal rules")


class LegalText(models.Model):
    """One version of the terms of sale or the internal rules, in both languages.

    A version that someone accepted is never edited: staff add a new version,
    and acceptances keep pointing at the text the person actually read.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=LegalTextKind.choices)
    version = models.CharField(_("version"), max_length=20, help_text=_("For example 2026-11."))
    effective_from = models.DateTimeField(_("effective from"))
    body_fr = RichTextField(_("text (French)"))
    body_en = RichTextField(_("text (English)"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("version"), FieldPanel("effective_from")]),
        FieldPanel("body_fr"),
        FieldPanel("body_en"),
    ]

    class Meta:
        verbose_name = _("legal text")
        verbose_name_plural = _("legal texts")
        ordering = ["kind", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="enrolments_legaltext_unique_version")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}"

    def body(self, language: str) -> str:
        return self.body_en if language == "en" and self.body_en else self.body_fr
