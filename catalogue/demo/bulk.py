"""A large generated catalogue for benchmarks (``seed_demo --courses N``).

Pages are inserted into the tree directly and marked live, without a
revision each: this is benchmark data, built in seconds rather than minutes.
Titles combine a technique, a field and an angle so that listings, facets
and text search see realistic variety. Slugs are numbered, so re-running
with the same N adds nothing.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Page

from catalogue.demo.builder import COURSES
from catalogue.demo.indexes import index_objects
from catalogue.demo.texts import course_fields
from catalogue.models import CatalogueIndexPage, CoursePage, Partner, Theme, Trainer

TECHNIQUES = [
    "Apprentissage frugal",
    "Réseaux de neurones compacts",
    "Prévision de séries temporelles",
    "Détection d'anomalies",
    "Apprentissage sur graphes",
    "Traitement du langage naturel",
    "Vision par ordinateur",
    "IA explicable",
    "Audit d'équité",
    "Apprentissage fédéré",
    "Modèles génératifs",
    "Apprentissage par renforcement",
    "Statistique bayésienne",
    "Gouvernance des données",
    "Quantification de modèles",
    "Apprentissage actif",
    "Petits modèles de langue",
    "Optimisation sous contraintes",
    "Jumeaux numériques",
    "Fouille de textes",
]
FIELDS = [
    "pour la santé",
    "pour l'industrie",
    "pour l'énergie",
    "pour la mobilité",
    "pour les collectivités",
    "pour la finance",
    "pour l'agriculture",
    "pour la chimie",
    "pour les ressources humaines",
    "pour l'éducation",
    "pour le bâtiment",
    "pour la culture",
    "pour la logistique",
    "pour l'environnement",
    "pour la recherche clinique",
]
ANGLES = [
    "les fondamentaux",
    "atelier pratique",
    "perfectionnement",
    "études de cas",
    "mise en production",
    "pour décideurs",
    "cadre juridique",
    "retours d'expérience",
]


@dataclass(frozen=True)
class GeneratedCourse:
    number: int
    title: str
    slug: str


def generated_course(number: int) -> GeneratedCourse:
    """The ``number``-th generated course: its title and stable slug."""
    technique = TECHNIQUES[number % len(TECHNIQUES)]
    field = FIELDS[(number // len(TECHNIQUES)) % len(FIELDS)]
    angle = ANGLES[(number // (len(TECHNIQUES) * len(FIELDS))) % len(ANGLES)]
    title = f"{technique} {field} : {angle}"
    return GeneratedCourse(number=number, title=title, slug=f"gen-{number:05d}-{slugify(title)}"[:200])


def build_generated_courses(count: int, *, listing: CatalogueIndexPage) -> list[CoursePage]:
    """Add ``count`` generated live course pages under ``listing`` (the missing ones only)."""
    wanted = [generated_course(n) for n in range(1, count + 1)]
    existing = set(CoursePage.objects.child_of(listing).filter(slug__startswith="gen-").values_list("slug", flat=True))
    themes = list(Theme.objects.filter(locale=listing.locale).order_by("slug"))
    partners = list(Partner.objects.order_by("slug"))
    trainers = list(Trainer.objects.order_by("name"))
    now = timezone.now()
    pages, links = [], {"themes": [], "partners": [], "trainers": []}
    with transaction.atomic():
        for generated in wanted:
            if generated.slug in existing:
                continue
            page = _course_page(generated, now)
            page.locale_id = listing.locale_id
            pages.append(page)
            n = generated.number
            links["themes"].append((page, [themes[n % len(themes)]]))
            links["partners"].append((page, [partners[n % len(partners)], partners[(n * 7 + 3) % len(partners)]]))
            links["trainers"].append((page, [trainers[n % len(trainers)]]))
        _append_children(listing, pages)
        _bulk_link(links)
    index_objects(CoursePage, [p.pk for p in pages])
    return pages


def _course_page(generated: GeneratedCourse, now: dt.datetime) -> CoursePage:
    spec = COURSES[generated.number % len(COURSES)]
    fields = course_fields(spec, generated.number)
    fields.update(
        title=generated.title,
        slug=generated.slug,
        summary=f"{generated.title} : {spec.summary[0].lower()}{spec.summary[1:]}",
        # No revision for benchmark pages: mark them published directly.
        live=True,
        has_unpublished_changes=False,
        first_published_at=now,
        last_published_at=now,
        # Generated courses have no results yet (Qualiopi indicator 2).
        satisfaction_rate=None,
        completion_rate=None,
    )
    return CoursePage(**fields)


def _append_children(parent: Page, pages: list[CoursePage]) -> None:
    """Insert ``pages`` as the last children of ``parent``, like ``add_child`` but in one pass.

    ``add_child`` locks and re-reads the parent and validates each page
    (eight queries per page); the generated pages are valid by construction.
    """
    parent = Page.objects.get(pk=parent.pk)  # fresh tree counters
    last_child = parent.get_last_child()
    position = last_child._get_lastpos_in_path() if last_child else 0
    depth = parent.depth + 1
    for offset, page in enumerate(pages, start=1):
        page.depth = depth
        page.path = Page._get_path(parent.path, depth, position + offset)
        page.draft_title = page.title
        page.save(clean=False)
    Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))


def _bulk_link(links: dict[str, list]) -> None:
    """Write the many-to-many rows of the generated pages in one query per relation."""
    for name, pairs in links.items():
        through = getattr(CoursePage, name).through
        target = f"{name.removesuffix('s')}_id"  # theme_id, partner_id, trainer_id
        through.objects.bulk_create(
            [through(coursepage_id=page.pk, **{target: obj.pk}) for page, objs in pairs for obj in set(objs)]
        )
