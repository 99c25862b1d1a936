"""Build the demo catalogue: snippets, site tree, course pages and their English versions.

Idempotent: snippets are updated in place (keyed on slugs, or names for
trainers); pages that already exist are left as they are, so that re-running
the seed never duplicates anything nor overwrites what an editor changed.
"""

from dataclasses import dataclass, field

from wagtail.models import Locale

from catalogue.demo.courses_frugal import FRUGAL_COURSES
from catalogue.demo.courses_inclusive import INCLUSIVE_COURSES
from catalogue.demo.courses_society import SOCIETY_COURSES
from catalogue.demo.indexes import index_objects
from catalogue.demo.partners import ACADEMIC_PARTNERS, INDUSTRY_PARTNERS, LEAD_PARTNER, THEMES
from catalogue.demo.site import SiteTree, build_french_tree, feature_courses, publish, translate_tree
from catalogue.demo.specs import CourseSpec
from catalogue.demo.texts import course_fields
from catalogue.demo.trainers import TRAINERS
from catalogue.demo.translations import EN_COURSES, english_course_fields
from catalogue.models import CatalogueIndexPage, CoursePage, HomePage, Partner, ProgrammePage, Theme, Trainer

COURSES: list[CourseSpec] = FRUGAL_COURSES + INCLUSIVE_COURSES + SOCIETY_COURSES


@dataclass
class DemoCatalogue:
    """What the catalogue part of the seed built, for the schedule part and the summary."""

    tree: SiteTree
    tree_en: SiteTree
    courses: dict[str, CoursePage]
    created: dict[str, int] = field(default_factory=dict)


def theme_prefix(theme_slug: str) -> str:
    """The session-code prefix of a theme, e.g. "IAF"."""
    return THEMES[theme_slug][4]


def build_locales() -> tuple[Locale, Locale]:
    fr = Locale.objects.get_or_create(language_code="fr")[0]
    en = Locale.objects.get_or_create(language_code="en")[0]
    return fr, en


def build_themes(*, fr: Locale, en: Locale) -> dict[str, Theme]:
    """French themes and their English translations (same slug, same translation key)."""
    themes = {}
    for slug, (fr_name, fr_summary, en_name, en_summary, _prefix) in THEMES.items():
        theme, _ = Theme.objects.update_or_create(
            slug=slug, locale=fr, defaults={"name": fr_name, "summary": fr_summary}
        )
        Theme.objects.update_or_create(
            slug=slug,
            locale=en,
            defaults={"name": en_name, "summary": en_summary, "translation_key": theme.translation_key},
        )
        themes[slug] = theme
    return themes


def build_partners() -> dict[str, Partner]:
    partners = {}
    for slug, name, short_name, kind, website, description in ACADEMIC_PARTNERS + INDUSTRY_PARTNERS:
        partners[slug], _ = Partner.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "short_name": short_name,
                "kind": kind,
                "website": website,
                "description": description,
                "is_lead": slug == LEAD_PARTNER,
            },
        )
    return partners


def build_trainers(partners: dict[str, Partner]) -> dict[str, Trainer]:
    trainers = {}
    for handle, (name, job_title, partner_slug, qualifications) in TRAINERS.items():
        trainers[handle], _ = Trainer.objects.update_or_create(
            name=name,
            defaults={
                "job_title": job_title,
                "organisation": partners[partner_slug],
                "qualifications": qualifications,
            },
        )
    return trainers


def build_course(
    spec: CourseSpec,
    index: int,
    *,
    listing: CatalogueIndexPage,
    themes: dict[str, Theme],
    partners: dict[str, Partner],
    trainers: dict[str, Trainer],
) -> tuple[CoursePage, bool]:
    """The French course page of ``spec``, created and published if missing."""
    existing = CoursePage.objects.child_of(listing).filter(slug=spec.slug).first()
    if existing is not None:
        return existing, False
    page = CoursePage(**course_fields(spec, index))
    listing.add_child(instance=page)
    page.themes.set([themes[slug] for slug in spec.theme_slugs])
    page.partners.set([partners[slug] for slug in spec.partners])
    page.trainers.set([trainers[handle] for handle in spec.trainers])
    publish(page)
    return page, True


def translate_course(spec: CourseSpec, page: CoursePage, *, en: Locale) -> bool:
    """Publish the English version of a course page if it has none yet."""
    if page.get_translation_or_none(en) is not None:
        return False
    translated = page.copy_for_translation(en).specific
    for name, value in english_course_fields(spec).items():
        setattr(translated, name, value)
    translated.themes.set(Theme.objects.filter(slug__in=spec.theme_slugs, locale=en))
    publish(translated)
    return True


def build_catalogue() -> DemoCatalogue:
    """Build (or complete) the whole demo catalogue and index it for search."""
    fr, en = build_locales()
    themes = build_themes(fr=fr, en=en)
    partners = build_partners()
    trainers = build_trainers(partners)
    tree, pages_created = build_french_tree(fr=fr)

    courses, courses_created = {}, 0
    for index, spec in enumerate(COURSES):
        courses[spec.slug], created = build_course(
            spec, index, listing=tree.listing, themes=themes, partners=partners, trainers=trainers
        )
        courses_created += created
    feature_courses(tree.home, fr)

    tree_en, translated_pages = translate_tree(tree, en=en)
    translated_courses = sum(
        translate_course(spec, courses[spec.slug], en=en) for spec in COURSES if spec.slug in EN_COURSES
    )
    feature_courses(tree_en.home, en)

    for model in (Theme, Partner, Trainer, HomePage, ProgrammePage, CatalogueIndexPage):
        index_objects(model)
    index_objects(CoursePage, [c.pk for c in courses.values()])
    index_objects(CoursePage, CoursePage.objects.filter(locale=en).values_list("pk", flat=True))

    return DemoCatalogue(
        tree=tree,
        tree_en=tree_en,
        courses=courses,
        created={
            "pages": pages_created + translated_pages,
            "courses": courses_created,
            "translated_courses": translated_courses,
        },
    )
