"""The demo site tree: home (served at "/"), programme and catalogue listing, in French and English."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from wagtail.models import Locale, Page, Site

from catalogue.demo import site_texts
from catalogue.demo.partners import THEMES
from catalogue.models import CatalogueIndexPage, CoursePage, FeaturedCourse, HomePage, Partner, ProgrammePage, Theme

SITE_HOSTNAME = "localhost"
SITE_PORT = 8000
FEATURED_SLUGS = (
    "introduction-ia-responsable",
    "series-temporelles-prevision-anomalies",
    "conformite-ai-act",
    "compression-de-modeles",
)


@dataclass
class SiteTree:
    home: HomePage
    programme: ProgrammePage
    listing: CatalogueIndexPage


def publish(page: Page) -> None:
    page.save_revision().publish()


def _challenges(language: str, locale: Locale) -> list[tuple[str, dict]]:
    texts = site_texts.HOME[language]["challenges"]
    blocks = []
    for slug, (fr_name, _fr_summary, en_name, _en_summary, _prefix) in THEMES.items():
        theme = Theme.objects.get(slug=slug, locale=locale)
        title = fr_name if language == "fr" else en_name
        blocks.append(("challenge", {"title": title, "text": texts[slug], "theme": theme}))
    return blocks


def _years(language: str) -> list[tuple[str, dict]]:
    return [
        ("year", {"year": year, "title": title, "aims": site_texts.aims_html(aims)})
        for year, title, aims in site_texts.PROGRAMME[language]["years"]
    ]


def _remove_wagtail_welcome_page(home: HomePage) -> None:
    """Point every site at our home, then delete Wagtail's "Welcome to your new Wagtail site!" page."""
    plain_page = ContentType.objects.get_for_model(Page)
    for welcome in Page.objects.filter(depth=2, content_type=plain_page, slug="home"):
        Site.objects.filter(root_page=welcome).update(root_page=home)
        welcome.delete()


def _set_default_site(home: HomePage) -> None:
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.hostname, site.port, site.root_page = SITE_HOSTNAME, SITE_PORT, home
    site.site_name = "ALLyS Formation"
    site.save()


def build_french_tree(*, fr: Locale) -> tuple[SiteTree, int]:
    """Create the French home, programme and listing if missing; return them and how many were created."""
    created = 0
    home = HomePage.objects.filter(locale=fr, depth=2).first()
    if home is None:
        texts = site_texts.HOME["fr"]
        home = HomePage(
            title=texts["title"],
            slug="accueil",
            locale=fr,
            hero_title=texts["hero_title"],
            hero_text=texts["hero_text"],
            challenges=_challenges("fr", fr),
        )
        Page.get_first_root_node().add_child(instance=home)
        publish(home)
        created += 1
    _remove_wagtail_welcome_page(home)
    _set_default_site(home)

    programme = ProgrammePage.objects.child_of(home).first()
    if programme is None:
        texts = site_texts.PROGRAMME["fr"]
        programme = ProgrammePage(
            title=texts["title"],
            slug=texts["slug"],
            intro=texts["intro"],
            years=_years("fr"),
            starts_year=2026,
            ends_year=2030,
        )
        home.add_child(instance=programme)
        programme.themes.set(Theme.objects.filter(locale=fr))
        programme.partners.set(Partner.objects.all())
        publish(programme)
        created += 1

    listing = CatalogueIndexPage.objects.child_of(home).first()
    if listing is None:
        texts = site_texts.LISTING["fr"]
        listing = CatalogueIndexPage(title=texts["title"], slug="formations", intro=texts["intro"])
        home.add_child(instance=listing)
        publish(listing)
        created += 1
    return SiteTree(home=home, programme=programme, listing=listing), created


def feature_courses(home: HomePage, locale: Locale) -> None:
    """Put the featured courses (in the home's language) on the home page, once."""
    # Re-read the page: children added through other instances (translation
    # copies) changed its tree counters, which saving a stale copy would undo.
    home = HomePage.objects.get(pk=home.pk)
    if home.featured_courses.exists() and all(f.course.locale_id == locale.pk for f in home.featured_courses.all()):
        return
    courses = {c.slug: c for c in CoursePage.objects.filter(slug__in=FEATURED_SLUGS, locale=locale)}
    home.featured_courses = [
        FeaturedCourse(course=courses[slug], sort_order=position)
        for position, slug in enumerate(s for s in FEATURED_SLUGS if s in courses)
    ]
    publish(home)


def translate_tree(tree: SiteTree, *, en: Locale) -> tuple[SiteTree, int]:
    """English copies of the home, programme and listing (listing slug kept: /en/formations/)."""
    created = 0
    home = tree.home.get_translation_or_none(en)
    if home is None:
        home = tree.home.copy_for_translation(en)
        texts = site_texts.HOME["en"]
        home.title, home.hero_title, home.hero_text = texts["title"], texts["hero_title"], texts["hero_text"]
        home.challenges = _challenges("en", en)
        publish(home)
        created += 1

    programme = tree.programme.get_translation_or_none(en)
    if programme is None:
        programme = tree.programme.copy_for_translation(en)
        texts = site_texts.PROGRAMME["en"]
        programme.title, programme.intro, programme.years = texts["title"], texts["intro"], _years("en")
        programme.themes.set(Theme.objects.filter(locale=en))
        publish(programme)
        created += 1

    listing = tree.listing.get_translation_or_none(en)
    if listing is None:
        listing = tree.listing.copy_for_translation(en)
        texts = site_texts.LISTING["en"]
        listing.title, listing.intro = texts["title"], texts["intro"]
        publish(listing)
        created += 1
    return SiteTree(home=home.specific, programme=programme.specific, listing=listing.specific), created
