"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

The live server reads the database from another thread, so these tests use
transactional database access (``django_db(transaction=True)``). A
transactional test empties every table when it ends, including what the
migrations created, so ``home_page`` first puts back the Wagtail root page and
root collection. (``serialized_rollback`` cannot do it here: once Playwright
runs its event loop, Django hands this thread a new connection object, which
lacks the serialized copy taken at setup.)
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, sync_playwright

from catalogue.choices import CourseFormat, CourseLevel
from catalogue.factories import CoursePageFactory, PartnerFactory, ThemeFactory
from catalogue.models import CatalogueIndexPage, CoursePage, HomePage
from courses.factories import SessionFactory
from courses.models import Session

# Playwright's sync API runs an event loop in this thread; Django refuses ORM
# calls from a thread with a running loop unless told it is safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("ALLYS_CHROMIUM", "/usr/bin/chromium")
AXE_PATH = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"The browser tests need Chromium at {CHROMIUM} (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core's browser bundle, installed by ``make test`` with npm."""
    if not AXE_PATH.exists():
        pytest.fail(f"axe-core is missing at {AXE_PATH}; `make test` installs it with npm.")
    return AXE_PATH


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    """A fresh French-speaking browser tab whose relative URLs go to the live server."""
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", accept_downloads=True, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def month_start(months_ahead: int) -> dt.date:
    """The first day of the month ``months_ahead`` after this one."""
    today = dt.date.today()
    index = today.month - 1 + months_ahead
    return dt.date(today.year + index // 12, index % 12 + 1, 1)


@pytest.fixture
def home_page(wagtail_tree, home_page):
    """The shared ``home_page`` fixture, on a tree restored by ``wagtail_tree``."""
    return home_page


@dataclass
class Catalogue:
    """What the browser tests look for, built in the database before each test."""

    home: HomePage
    index: CatalogueIndexPage
    frugal_slug: str
    frugal_name: str
    inclusive_name: str
    target: CoursePage
    target_session: Session
    target_month: str  # YYYY-MM
    other_frugal_titles: list[str]
    inclusive_titles: list[str]
    english_home: HomePage
    english_index: CatalogueIndexPage
    english_target: CoursePage


def translate(page, locale, **fields):
    """Copy ``page`` into ``locale``, set ``fields`` and publish it."""
    translated = page.copy_for_translation(locale)
    for name, value in fields.items():
        setattr(translated, name, value)
    translated.save_revision().publish()
    translated.refresh_from_db()
    return translated


@pytest.fixture
def catalogue(catalogue_page, locales) -> Catalogue:
    """Two themes, six courses, sessions in three different months, and an English translation."""
    home = catalogue_page.get_parent().specific
    frugal = ThemeFactory(name="IA frugale pour les données complexes", slug="ia-frugale")
    inclusive = ThemeFactory(name="IA pour une société numérique inclusive", slug="ia-inclusive")
    partner = PartnerFactory(name="ENS de Lyon", slug="ens-lyon", short_name="ENS Lyon", is_lead=True)

    first, second, third = month_start(2), month_start(3), month_start(4)

    def course(title, theme, start, *, fmt=CourseFormat.IN_PERSON, level=CourseLevel.INTERMEDIATE, code):
        page = CoursePageFactory(
            parent=catalogue_page, title=title, themes=[theme], partners=[partner], format=fmt, level=level
        )
        session = SessionFactory(course=page, start=start + dt.timedelta(days=9), days=2, code=code)
        return page, session

    target, target_session = course("Apprentissage profond frugal", frugal, second, code="E2E-FRUGAL-01")
    other_frugal = [
        course("Compression de modèles", frugal, first, code="E2E-FRUGAL-02")[0],
        course("Données de santé complexes", frugal, third, fmt=CourseFormat.ONLINE, code="E2E-FRUGAL-03")[0],
    ]
    inclusive_courses = [
        course("IA et accessibilité numérique", inclusive, second, code="E2E-INCL-01")[0],
        course("Biais algorithmiques et équité", inclusive, first, level=CourseLevel.DISCOVERY, code="E2E-INCL-02")[0],
        course("Concevoir des services publics inclusifs", inclusive, third, code="E2E-INCL-03")[0],
    ]

    english_home = translate(home, locales["en"], title="ALLyS Training", hero_title="Learn AI with ALLyS")
    english_index = translate(catalogue_page, locales["en"], title="Courses", intro="<p>All our courses.</p>")
    english_target = translate(
        target, locales["en"], title="Frugal deep learning", summary="A short, hands-on course on lean models."
    )
    return Catalogue(
        home=home,
        index=catalogue_page,
        frugal_slug=frugal.slug,
        frugal_name=frugal.name,
        inclusive_name=inclusive.name,
        target=target,
        target_session=target_session,
        target_month=second.strftime("%Y-%m"),
        other_frugal_titles=[c.title for c in other_frugal],
        inclusive_titles=[c.title for c in inclusive_courses],
        english_home=english_home,
        english_index=english_index,
        english_target=english_target,
    )
