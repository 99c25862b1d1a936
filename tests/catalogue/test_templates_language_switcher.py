"""The header links each page to its translation, or to the other language's home."""

import re

from catalogue.models import CoursePage
from tests.catalogue.course_fixtures import build_full_course


def switcher(html: str) -> dict[str, str]:
    """The switcher's links as {language code: the whole <a> tag}."""
    block = html[html.index('class="lang-switcher"') :]
    block = block[: block.index("</nav>")]
    return {tag_lang: tag for tag, tag_lang in re.findall(r'(<a [^>]*\blang="(\w+)"[^>]*>)', block)}


def translate(page: CoursePage, locale) -> CoursePage:
    english = page.copy_for_translation(locale, copy_parents=True)
    english.title = "Frugal deep learning"
    english.save_revision().publish()
    return english


def test_switcher_links_to_the_translation_when_it_exists(client, catalogue_page, locales):
    course = build_full_course(catalogue_page)
    translate(course, locales["en"])

    links = switcher(client.get(course.url).content.decode())

    assert 'href="/en/formations/apprentissage-profond-frugal/"' in links["en"]
    assert 'hreflang="en"' in links["en"]
    assert "aria-current" not in links["en"]
    assert 'href="/formations/apprentissage-profond-frugal/"' in links["fr"]
    assert 'aria-current="true"' in links["fr"]


def test_switcher_falls_back_to_the_other_home_without_translation(client, catalogue_page):
    course = build_full_course(catalogue_page)

    links = switcher(client.get(course.url).content.decode())

    assert 'href="/en/"' in links["en"]


def test_english_page_is_marked_english_and_links_back_to_french(client, catalogue_page, locales):
    course = build_full_course(catalogue_page)
    translate(course, locales["en"])

    html = client.get("/en/formations/apprentissage-profond-frugal/").content.decode()

    assert '<html lang="en">' in html
    links = switcher(html)
    assert 'href="/formations/apprentissage-profond-frugal/"' in links["fr"]
    assert 'aria-current="true"' in links["en"]


def test_french_page_declares_french(client, catalogue_page):
    course = build_full_course(catalogue_page)

    assert '<html lang="fr">' in client.get(course.url).content.decode()


def test_translated_page_lists_its_alternates_and_x_default(client, catalogue_page, locales):
    course = build_full_course(catalogue_page)
    translate(course, locales["en"])

    html = client.get(course.url).content.decode()

    assert (
        '<link rel="alternate" hreflang="fr" href="http://localhost/formations/apprentissage-profond-frugal/">' in html
    )
    assert (
        '<link rel="alternate" hreflang="en" href="http://localhost/en/formations/apprentissage-profond-frugal/">'
        in html
    )
    assert (
        '<link rel="alternate" hreflang="x-default" href="http://localhost/formations/apprentissage-profond-frugal/">'
        in html
    )
    assert '<meta property="og:locale:alternate" content="en_GB">' in html


def test_switcher_on_a_django_view_links_to_the_same_view_in_the_other_language(client, home_page):
    from enrolments.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/mon-espace/?onglet=documents")
    assert response.status_code == 200, response
    links = switcher(response.content.decode())
    assert 'href="/en/mon-espace/?onglet=documents"' in links["en"]
    assert 'href="/mon-espace/?onglet=documents"' in links["fr"]

    client.logout()
    links = switcher(client.get("/en/accounts/login/").content.decode())
    assert 'href="/accounts/login/"' in links["fr"]
