"""A visitor switches between French and English with the header's language switcher."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_switching_to_english_on_a_course_page_shows_its_translation(page, catalogue):
    page.goto(catalogue.target.url)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(catalogue.target.title)

    page.get_by_role("link", name="English", exact=True).click()

    expect(page).to_have_url(re.compile(r"/en/formations/apprentissage-profond-frugal/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Frugal deep learning")
    expect(page.get_by_text("A short, hands-on course on lean models.")).to_be_visible()


def test_switching_language_on_the_home_page_and_back(page, catalogue):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se former à l'IA")

    page.get_by_role("link", name="English", exact=True).click()
    expect(page).to_have_url(re.compile(r"/en/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Learn AI with ALLyS")
    expect(page).to_have_title(re.compile("Learn AI with ALLyS"))

    page.get_by_role("link", name="Français", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se former à l'IA")
