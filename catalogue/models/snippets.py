"""Snippets: the strategic themes, the partners and the trainers."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import TranslatableMixin
from wagtail.search import index

from catalogue.choices import PartnerKind


class Theme(TranslatableMixin, index.Indexed, models.Model):
    """A strategic challenge of the programme (translatable)."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("slug"), max_length=80, help_text=_("Used in catalogue filter URLs; keep it identical across languages.")
    )
    summary = models.TextField(_("summary"), blank=True)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("summary")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "locale"], name="catalogue_theme_unique_slug_locale"),
        ]

    def __str__(self) -> str:
        return self.name


class Partner(index.Indexed, models.Model):
    """An academic, industrial, hospital or research partner of the programme."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    # related_name="+": images do not need a reverse accessor to partners.
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    is_lead = models.BooleanField(_("lead partner"), default=False)

    panels = [
        FieldPanel("name"),
        FieldPanel("short_name"),
        FieldPanel("slug"),
        FieldPanel("kind"),
        FieldPanel("is_lead"),
        FieldPanel("logo"),
        FieldPanel("website"),
        FieldPanel("description"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name"), index.FilterField("kind")]

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["-is_lead", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Trainer(index.Indexed, models.Model):
    """A person who teaches, with the qualifications Qualiopi asks us to show."""

    name = models.CharField(_("name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Partner,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trainers",
    )
    qualifications = models.TextField(_("qualifications"), help_text=_("Degrees, expertise, teaching experience."))
    # related_name="+": images do not need a reverse accessor to trainers.
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("job_title"),
        FieldPanel("organisation"),
        FieldPanel("qualifications"),
        FieldPanel("photo"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        verbose_name = _("trainer")
        verbose_name_plural = _("trainers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
