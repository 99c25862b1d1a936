"""StreamField blocks: the syllabus modules and the home/programme sections."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock


class SyllabusModuleBlock(blocks.StructBlock):
    """One module of a course's syllabus, with its length in hours."""

    title = blocks.CharBlock(label=_("Title"), max_length=200)
    hours = blocks.DecimalBlock(label=_("Hours"), min_value=Decimal("0.5"), max_digits=5, decimal_places=1)
    description = blocks.RichTextBlock(
        label=_("Content"), features=["bold", "italic", "ol", "ul", "link"], required=False
    )

    class Meta:
        icon = "list-ol"
        label = _("Module")
        template = "blocks/syllabus_module_block.html"
        preview_value = {
            "title": "Fondamentaux de l'apprentissage frugal",
            "hours": Decimal("3.5"),
            "description": "<p>Compression de modèles, quantification et distillation.</p>",
        }
        description = _("A module of the syllabus with its duration in hours.")


def syllabus_total_hours(syllabus) -> Decimal:
    """Total hours of a syllabus StreamValue's modules, read from its raw data.

    Raw data needs no block instances, so the listing can total thousands
    of syllabuses cheaply; a missing, invalid or non-positive value counts
    for nothing (a page being edited may hold one).
    """
    total = Decimal(0)
    for item in getattr(syllabus, "raw_data", None) or []:
        if not item or item.get("type") != "module":
            continue
        try:
            hours = Decimal(str((item.get("value") or {}).get("hours")))
            if hours > 0:
                total += hours
        except InvalidOperation:
            continue
    return total


class SyllabusBlock(blocks.StreamBlock):
    module = SyllabusModuleBlock()

    class Meta:
        block_counts = {"module": {"min_num": 0}}


class ProgrammeYearBlock(blocks.StructBlock):
    """A year of the multi-year programme and what it aims for."""

    year = blocks.CharBlock(label=_("Year"), max_length=20)
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    aims = blocks.RichTextBlock(label=_("Aims"), features=["bold", "italic", "ul", "link"])

    class Meta:
        icon = "date"
        label = _("Programme year")
        template = "blocks/programme_year_block.html"
        preview_value = {
            "year": "2026–2027",
            "title": "Lancement",
            "aims": "<ul><li>Ouvrir les dix premières formations</li></ul>",
        }


class ChallengeBlock(blocks.StructBlock):
    """One of the two strategic challenges, shown on the home page."""

    title = blocks.CharBlock(label=_("Title"), max_length=200)
    text = blocks.TextBlock(label=_("Text"))
    theme = SnippetChooserBlock("catalogue.Theme", label=_("Theme"), required=False)

    class Meta:
        icon = "pick"
        label = _("Strategic challenge")
        template = "blocks/challenge_block.html"
        preview_value = {
            "title": "IA frugale pour les données complexes",
            "text": "Des modèles sobres pour des données hétérogènes.",
        }
