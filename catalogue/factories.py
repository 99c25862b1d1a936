"""factory_boy factories for the catalogue (used by tests, seed and bench)."""

from decimal import Decimal

import factory
from django.utils.text import slugify
from wagtail.models import Locale

from catalogue.choices import CourseFormat, CourseLevel, PartnerKind
from catalogue.models import CoursePage, Partner, Theme, Trainer


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("slug", "locale")

    name = factory.Sequence(lambda n: f"Thème {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    locale = factory.LazyFunction(Locale.get_default)


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Partenaire {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = PartnerKind.ACADEMIC


class TrainerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trainer

    name = factory.Sequence(lambda n: f"Formatrice {n}")
    job_title = "Maîtresse de conférences"
    qualifications = "Doctorat en informatique, 10 ans d'enseignement."


def complete_course_fields() -> dict:
    """Values for every Qualiopi indicator-1 item, for a publishable course."""
    return {
        "summary": "Une formation courte et pratique.",
        "audience": "<p>Ingénieurs et data scientists.</p>",
        "prerequisites": "<p>Python et statistiques de base.</p>",
        "objectives": "<ul><li>Savoir entraîner un modèle sobre.</li></ul>",
        "duration_hours": Decimal("14"),
        "format": CourseFormat.IN_PERSON,
        "level": CourseLevel.INTERMEDIATE,
        "languages": ["fr"],
        "teaching_methods": "<p>Cours, travaux pratiques sur notebooks.</p>",
        "assessment_methods": "<p>QCM et projet final.</p>",
        "access_modalities": "<p>Inscription en ligne, entretien si besoin.</p>",
        "access_delay_days": 7,
        "accessibility": "<p>Locaux accessibles ; adaptations sur demande.</p>",
        "accessibility_contact_name": "Camille Martin",
        "accessibility_contact_email": "handicap@allys.example",
        "contact_name": "Équipe formation ALLyS",
        "contact_email": "formation@allys.example",
        "price_from": Decimal("900.00"),
    }


class CoursePageFactory(factory.Factory):
    """Builds a CoursePage and adds it under ``parent`` (a CatalogueIndexPage).

    Pages must be inserted into the tree with ``add_child``, so this is a
    plain Factory whose ``_create`` does that and publishes a revision.
    """

    class Meta:
        model = CoursePage

    title = factory.Sequence(lambda n: f"Formation {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))

    @classmethod
    def _create(cls, model_class, *args, parent=None, themes=(), partners=(), trainers=(), publish=True, **kwargs):
        if parent is None:
            raise ValueError("CoursePageFactory needs parent=<CatalogueIndexPage>")
        values = complete_course_fields()
        values.update(kwargs)
        values.setdefault("live", publish)
        page = model_class(**values)
        parent.add_child(instance=page)
        page.themes.set(themes)
        page.partners.set(partners)
        page.trainers.set(trainers)
        revision = page.save_revision()
        if publish:
            revision.publish()
            page.refresh_from_db()
        return page
