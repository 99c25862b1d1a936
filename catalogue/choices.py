"""Enumerations shared by the catalogue, the sessions and the listing filters."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class CourseFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    BLENDED = "blended", _("Blended")


class CourseLevel(models.TextChoices):
    DISCOVERY = "discovery", _("Discovery")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")
    EXPERT = "expert", _("Expert")


class PartnerKind(models.TextChoices):
    ACADEMIC = "academic", _("Academic")
    INDUSTRY = "industry", _("Industry")
    HOSPITAL = "hospital", _("Hospital")
    RESEARCH = "research", _("Research body")
