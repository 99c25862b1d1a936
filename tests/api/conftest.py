"""Fixtures of the API tests: a fresh listing cache per test, and a small published catalogue."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import signals
from django.db import close_old_connections

from catalogue.choices import CourseFormat, CourseLevel
from catalogue.factories import CoursePageFactory, PartnerFactory, ThemeFactory, TrainerFactory
from courses.factories import SessionFactory, make_price_tiers
from courses.listing import clear_cache


@pytest.fixture(autouse=True)
def _fresh_listing_cache():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def api_catalogue(catalogue_page, locales):
    theme = ThemeFactory(name="IA frugale", slug="ia-frugale")
    partner = PartnerFactory(name="Université Jean Monnet", slug="ujm")
    trainer = TrainerFactory(name="Inès Berthier", organisation=partner)
    deep = CoursePageFactory(
        parent=catalogue_page,
        title="Apprentissage profond frugal",
        slug="apprentissage-profond-frugal",
        summary="Compresser et distiller des réseaux.",
        format=CourseFormat.ONLINE,
        level=CourseLevel.ADVANCED,
        themes=[theme],
        partners=[partner],
        trainers=[trainer],
    )
    ethics = CoursePageFactory(parent=catalogue_page, title="Éthique des données", slug="ethique-des-donnees")
    today = dt.date.today()
    first = SessionFactory(course=deep, code="IAF-DL-01", start=today + dt.timedelta(days=30), is_online=True)
    second = SessionFactory(
        course=deep,
        code="IAF-DL-02",
        start=today + dt.timedelta(days=90),
        price_tiers=make_price_tiers(Decimal("2000")),
    )
    third = SessionFactory(course=ethics, code="ETH-01", start=today + dt.timedelta(days=45), places_taken=12)
    draft = CoursePageFactory(parent=catalogue_page, title="Brouillon", slug="brouillon", publish=False)
    SessionFactory(course=draft, code="DRAFT-01")
    return {
        "deep": deep,
        "ethics": ethics,
        "theme": theme,
        "partner": partner,
        "trainer": trainer,
        "sessions": [first, second, third],
    }


@pytest.fixture
def keep_test_connection():
    """As Django's test client does: the WSGI handler must not close the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
