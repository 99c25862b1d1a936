"""Shared fixtures: a site tree (home → /formations/) in French and English."""

import pytest
from django.conf import settings
from django.utils import translation
from wagtail.models import Collection, Locale, Page, Site

from catalogue.models import CatalogueIndexPage, HomePage


@pytest.fixture
def locales(db):
    fr = Locale.objects.get_or_create(language_code="fr")[0]
    en = Locale.objects.get_or_create(language_code="en")[0]
    return {"fr": fr, "en": en}


@pytest.fixture
def wagtail_tree(transactional_db, locales) -> None:
    """The root page and root collection the migrations create, if an earlier transactional test flushed them.

    Transactional tests (browser, concurrency) empty every table when they end.
    """
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root", locale=Locale.get_default()))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")


@pytest.fixture
def home_page(locales) -> HomePage:
    root = Page.get_first_root_node()
    home = HomePage(title="ALLyS Formation", slug="accueil", hero_title="Se former à l'IA", locale=locales["fr"])
    root.add_child(instance=home)
    home.save_revision().publish()
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="ALLyS")
    return home


@pytest.fixture
def catalogue_page(home_page) -> CatalogueIndexPage:
    index = CatalogueIndexPage(title="Formations", slug="formations", intro="<p>Toutes nos formations.</p>")
    home_page.add_child(instance=index)
    index.save_revision().publish()
    return index


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request to an /en/ page leaves English active otherwise."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
