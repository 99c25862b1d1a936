"""Public pages carry a canonical link, a description and Open Graph tags."""

import re

from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from tests.catalogue.course_fixtures import build_full_course


def meta(html: str, prop: str) -> str | None:
    match = re.search(rf'<meta property="{re.escape(prop)}" content="([^"]*)">', html)
    return match.group(1) if match else None


def test_course_page_has_canonical_description_and_open_graph(client, catalogue_page):
    course = build_full_course(catalogue_page)

    html = client.get(course.url).content.decode()

    assert '<link rel="canonical" href="http://localhost/formations/apprentissage-profond-frugal/">' in html
    assert '<meta name="description" content="Une formation courte et pratique.">' in html
    assert meta(html, "og:title") == "Apprentissage profond frugal"
    assert meta(html, "og:description") == "Une formation courte et pratique."
    assert meta(html, "og:type") == "website"
    assert meta(html, "og:url") == "http://localhost/formations/apprentissage-profond-frugal/"
    assert meta(html, "og:locale") == "fr_FR"


def test_og_image_only_when_the_page_has_an_image(client, catalogue_page):
    course = build_full_course(catalogue_page)

    assert meta(client.get(course.url).content.decode(), "og:image") is None


def test_og_image_is_an_absolute_link_preview_crop(client, catalogue_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    image = Image.objects.create(title="Réseau", file=get_test_image_file())
    course = build_full_course(catalogue_page, image=image)

    og_image = meta(client.get(course.url).content.decode(), "og:image")

    assert og_image.startswith("http://testserver/media/images/")
    assert "fill-1200x630" in og_image


def test_page_without_translation_has_no_hreflang(client, catalogue_page):
    course = build_full_course(catalogue_page)

    assert 'hreflang="x-default"' not in client.get(course.url).content.decode()
