"""Template tags for the public look: navigation, languages, SEO and snippets.

Everything here reads catalogue models only; schedule data comes from
``courses.templatetags.session_tags``.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from django import template
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale, Page

from catalogue.choices import Language, PartnerKind
from catalogue.models import CatalogueIndexPage, CoursePage, Partner, ProgrammePage, Trainer
from catalogue.seo import course_jsonld, jsonld_script, organisation_jsonld, plain_text

register = template.Library()

OG_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
OG_IMAGE_FILTER = "fill-1200x630"


@dataclass(frozen=True, slots=True)
class LanguageLink:
    """One entry of the language switcher."""

    code: str
    name: str
    url: str
    is_current: bool
    is_translation: bool


@dataclass(frozen=True, slots=True)
class PartnerGroup:
    """Partners shown under one heading."""

    key: str
    label: str
    partners: list[Partner]


def _request(context: template.Context) -> HttpRequest | None:
    return context.get("request")


def _page(context: template.Context) -> Page | None:
    page = context.get("page")
    return page if isinstance(page, Page) and page.pk else None


def home_url(language_code: str) -> str:
    """The home page's path in a language: "/" for French, "/en/" for English."""
    with translation.override(language_code):
        return reverse("wagtail_serve", args=[""])


def _chrome_pages(context: template.Context) -> dict[str, Any]:
    """What the header, language switcher and SEO head read about pages, in one query per request.

    - ``translations``: the current page's live translations (itself
      included), by language code;
    - ``catalogue`` and ``programme``: the live catalogue listing and
      programme page in the page's language (else the active language's);
    - ``current``: which of the two the current page sits under, if any.

    Both come from the same query: the pages sharing the current page's
    ``translation_key``, or of one of the two navigation types in its locale.
    """
    request = _request(context)
    page = _page(context)
    key = page.pk if page is not None else None
    cached = getattr(request, "_allys_chrome", None) if request is not None else None
    if cached is not None and cached[0] == key:
        return cached[1]
    types = {
        ContentType.objects.get_for_model(CatalogueIndexPage).pk: "catalogue",
        ContentType.objects.get_for_model(ProgrammePage).pk: "programme",
    }
    if page is not None:
        wanted = Q(content_type_id__in=list(types), locale_id=page.locale_id) | Q(translation_key=page.translation_key)
    else:
        wanted = Q(content_type_id__in=list(types), locale=Locale.get_active())
    found: dict[str, Any] = {"translations": {}}
    for item in Page.objects.live().filter(wanted).select_related("locale").order_by("path"):
        if page is not None and item.translation_key == page.translation_key:
            found["translations"][item.locale.language_code] = item
        if item.content_type_id in types and (page is None or item.locale_id == page.locale_id):
            found.setdefault(types[item.content_type_id], item)
    # Which entry the current page sits under, for aria-current.
    found["current"] = ""
    if page is not None:
        under = [name for name in ("catalogue", "programme") if name in found]
        found["current"] = next((name for name in under if page.path.startswith(found[name].path)), "")
    if request is not None:
        request._allys_chrome = (key, found)
    return found


@register.simple_tag(takes_context=True)
def language_links(context: template.Context) -> list[LanguageLink]:
    """Links to the current page in each language, or to that language's home.

    Pages outside Wagtail (account, enrolment, dashboard) are Django views under
    ``i18n_patterns``: their URL in the other language is the same view, translated.
    """
    request = _request(context)
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    translations = _chrome_pages(context)["translations"]
    view_path = request.get_full_path() if request is not None and _page(context) is None else None
    links = []
    for code, name in settings.LANGUAGES:
        target = translations.get(code)
        url = target.get_url(request) if target else None
        if url is None and view_path is not None:
            translated = translate_url(view_path, code)
            url = translated if translated != view_path or code == current else None
        links.append(
            LanguageLink(
                code=code,
                name=name,
                url=url or home_url(code),
                is_current=current == code,
                is_translation=url is not None,
            )
        )
    return links


@register.simple_tag(takes_context=True)
def hreflang_alternates(context: template.Context) -> list[tuple[str, str]]:
    """(hreflang, absolute URL) pairs when the page exists in several languages, x-default last."""
    request = _request(context)
    page = _page(context)
    if page is None:
        return []
    translations = _chrome_pages(context)["translations"]
    if len(translations) < 2:
        return []
    alternates = [
        (code, translations[code].get_full_url(request)) for code, _name in settings.LANGUAGES if code in translations
    ]
    default = translations.get(settings.LANGUAGE_CODE)
    if default is not None:
        alternates.append(("x-default", default.get_full_url(request)))
    return alternates


@register.simple_tag(takes_context=True)
def og_locales(context: template.Context) -> dict[str, Any]:
    """The Open Graph locale of the page and of its translations."""
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    page = _page(context)
    others = []
    if page is not None:
        others = [OG_LOCALES.get(code, code) for code in _chrome_pages(context)["translations"] if code != current]
    return {"locale": OG_LOCALES.get(current, current), "alternates": others}


@register.simple_tag
def meta_description(page: Any) -> str:
    """A short description of the page for search engines and link previews."""
    for attribute in ("search_description", "summary", "hero_text", "intro"):
        value = getattr(page, attribute, "") or ""
        if text := plain_text(str(value)):
            return text[:300]
    return ""


def page_image(page: Any) -> Any:
    """The image a page is represented by, if any."""
    return getattr(page, "image", None) or getattr(page, "hero_image", None)


@register.simple_tag(takes_context=True)
def og_image_url(context: template.Context, page: Any) -> str:
    """Absolute URL of the page's image cropped for link previews, or ""."""
    image = page_image(page)
    request = _request(context)
    if image is None or request is None:
        return ""
    return request.build_absolute_uri(image.get_rendition(OG_IMAGE_FILTER).url)


@register.simple_tag(takes_context=True)
def nav_pages(context: template.Context) -> dict[str, Any]:
    """The catalogue listing and the programme in the page's language, and which one is current."""
    return _chrome_pages(context)


@register.simple_tag(takes_context=True)
def course_jsonld_script(context: template.Context, page: CoursePage, sessions: Any = ()) -> SafeString:
    """The schema.org ``Course`` of a course page, as a JSON-LD script element."""
    request = _request(context)
    image = page_image(page)
    image_url = request.build_absolute_uri(image.get_rendition(OG_IMAGE_FILTER).url) if image and request else None
    data = course_jsonld(page, sessions or (), url=page.get_full_url(request), image_url=image_url)
    return jsonld_script(data)


@register.simple_tag
def organisation_jsonld_script() -> SafeString:
    """The training provider, as a JSON-LD script element."""
    return jsonld_script(organisation_jsonld())


def _partners(queryset: QuerySet[Partner]) -> list[Partner]:
    return list(queryset.select_related("logo").prefetch_related("logo__renditions"))


def _course_team(page: CoursePage) -> tuple[list[Trainer], list[Partner]]:
    """The course's trainers and partners, with the renditions of their photos and logos in one query."""
    cached = getattr(page, "_allys_team", None)
    if cached is None:
        trainers = list(page.trainers.select_related("organisation", "photo").order_by("name"))
        partners = list(page.partners.all().select_related("logo"))
        images = [trainer.photo for trainer in trainers] + [partner.logo for partner in partners]
        prefetch_related_objects([image for image in images if image is not None], "renditions")
        cached = page._allys_team = (trainers, partners)
    return cached


@register.simple_tag
def course_trainers(page: CoursePage) -> list[Trainer]:
    """The course's trainers with their organisation and photo renditions."""
    return _course_team(page)[0]


@register.simple_tag
def course_partners(page: CoursePage) -> list[Partner]:
    """The partners that co-designed the course, with their logo renditions."""
    return _course_team(page)[1]


@register.simple_tag
def partner_groups(partners: QuerySet[Partner] | None = None) -> list[PartnerGroup]:
    """Partners grouped into academic and research bodies, then industry; empty groups left out."""
    queryset = partners if partners is not None else Partner.objects.all()
    academic: list[Partner] = []
    industry: list[Partner] = []
    for partner in _partners(queryset):
        (industry if partner.kind == PartnerKind.INDUSTRY else academic).append(partner)
    groups = [
        PartnerGroup("academic", str(_("Academic and research partners")), academic),
        PartnerGroup("industry", str(_("Industry partners")), industry),
    ]
    return [group for group in groups if group.partners]


@register.simple_tag
def featured_courses(page: Any) -> list[CoursePage]:
    """The live courses a home page features, in the editor's order and, when translated, in its language."""
    items = page.featured_courses.select_related("course", "course__image").prefetch_related(
        "course__image__renditions"
    )
    courses = [item.course for item in items if item.course.live]
    missing = {course.translation_key for course in courses if course.locale_id != page.locale_id}
    translated: dict = {}
    if missing:
        pages = (
            CoursePage.objects.live()
            .filter(locale_id=page.locale_id, translation_key__in=missing)
            .select_related("image")
            .prefetch_related("image__renditions")
        )
        translated = {course.translation_key: course for course in pages}
    return [translated.get(course.translation_key, course) for course in courses]


@register.filter
def language_names(codes: list[str] | None) -> str:
    """Language codes as names in the active language: ["fr", "en"] -> "French, English"."""
    labels = dict(Language.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes or [])


@register.simple_tag
def home_path() -> str:
    """The home page's path in the active language."""
    return home_url(translation.get_language() or settings.LANGUAGE_CODE)


@register.simple_tag
def contact_email() -> str:
    """The public contact address of the training team."""
    return getattr(settings, "ALLYS_CONTACT_EMAIL", "") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
