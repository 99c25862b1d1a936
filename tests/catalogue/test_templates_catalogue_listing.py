"""The catalogue listing at /formations/ as a visitor sees it: search, filters with counts, pages."""

import datetime as dt
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.utils import translation

from catalogue.choices import CourseFormat
from catalogue.factories import CoursePageFactory, PartnerFactory, ThemeFactory
from courses.factories import SessionFactory, make_price_tiers
from courses.listing import clear_cache
from courses.models import Session


@pytest.fixture(autouse=True)
def _fresh_listing_cache():
    clear_cache()
    yield
    clear_cache()


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def card_titles(page: BeautifulSoup) -> list[str]:
    return [a.get_text(strip=True) for a in page.select(".course-card__title a")]


def option(page: BeautifulSoup, name: str, value: str):
    box = page.select_one(f'input[name="{name}"][value="{value}"]')
    label = page.select_one(f'label[for="{box["id"]}"]')
    return box, label.select_one(".facet__count").get_text(strip=True).strip("()")


def in_days(days: int) -> dt.date:
    return dt.date.today() + dt.timedelta(days=days)


@pytest.fixture
def catalogue(catalogue_page):
    frugal = ThemeFactory(name="IA frugale", slug="ia-frugale")
    inclusive = ThemeFactory(name="IA inclusive", slug="ia-inclusive")
    ens = PartnerFactory(name="ENS de Lyon", slug="ens-lyon")
    vision = CoursePageFactory(
        parent=catalogue_page,
        title="Vision embarquée sobre",
        summary="Compresser des réseaux de neurones pour les capteurs.",
        themes=[frugal],
        partners=[ens],
        format=CourseFormat.ONLINE,
    )
    ethics = CoursePageFactory(
        parent=catalogue_page,
        title="Éthique des algorithmes",
        summary="Détecter les biais et les discriminations des modèles.",
        themes=[inclusive],
    )
    graphs = CoursePageFactory(
        parent=catalogue_page,
        title="Apprentissage sur graphes",
        summary="Réseaux de graphes pour les données de santé.",
        themes=[frugal, inclusive],
    )
    SessionFactory(course=vision, start=in_days(40), venue=None, is_online=True)
    SessionFactory(course=ethics, start=in_days(20), capacity=10, places_taken=10)
    SessionFactory(course=graphs, start=in_days(30), price_tiers=make_price_tiers(Decimal("1800.00")))
    return {"vision": vision, "ethics": ethics, "graphs": graphs}


def test_listing_shows_every_course_with_its_next_session(client, catalogue):
    page = soup(client.get("/formations/"))
    # Default order: next session first.
    assert card_titles(page) == ["Éthique des algorithmes", "Apprentissage sur graphes", "Vision embarquée sobre"]
    assert page.select_one("#listing-count[aria-live]").get_text(strip=True).startswith("3 ")
    ethics, graphs, vision = page.select(".course-card")
    assert ethics.select_one("time")["datetime"].startswith(in_days(20).isoformat())
    assert "Lyon" in ethics.select_one(".course-card__fact--session").get_text()
    assert ethics.select_one(".course-card__state--full") is not None
    assert vision.select_one(".course-card__state--open").get_text(strip=True).startswith("12 ")
    with translation.override("fr"):
        online, hours = translation.gettext("Online"), translation.gettext("%(hours)s h") % {"hours": "14"}
    assert online in vision.select_one(".course-card__fact--session").get_text()
    assert hours in ethics.select_one(".course-card__facts").get_text()
    assert "900" in vision.get_text() and "1 800" in graphs.get_text().replace("\xa0", " ").replace("\u202f", " ")
    assert [tag.get_text() for tag in graphs.select(".course-card__themes .tag")] == ["IA frugale", "IA inclusive"]


def test_places_taken_and_new_sessions_show_at_once(client, catalogue):
    assert "Vision embarquée sobre" in card_titles(soup(client.get("/formations/?places=1")))
    # Enrolment services update places_taken in bulk, without touching anything else.
    Session.objects.filter(course=catalogue["vision"]).update(places_taken=12)
    assert "Vision embarquée sobre" not in card_titles(soup(client.get("/formations/?places=1")))
    SessionFactory(course=catalogue["vision"], start=in_days(90))
    assert "Vision embarquée sobre" in card_titles(soup(client.get("/formations/?places=1")))


def test_filters_narrow_the_results_and_facets_show_counts(client, catalogue):
    page = soup(client.get("/formations/?theme=ia-frugale"))
    assert sorted(card_titles(page)) == ["Apprentissage sur graphes", "Vision embarquée sobre"]
    frugal, count = option(page, "theme", "ia-frugale")
    assert frugal.has_attr("checked") and count == "2"
    # Theme counts ignore the theme filter itself (ticking another theme widens the results).
    assert option(page, "theme", "ia-inclusive")[1] == "2"
    # Other facets count within the theme filter.
    assert option(page, "format", "online")[1] == "1"
    assert option(page, "partner", "ens-lyon")[1] == "1"


def test_filters_of_different_facets_combine(client, catalogue):
    page = soup(client.get("/formations/?theme=ia-frugale&format=in_person&price=over-1500"))
    assert card_titles(page) == ["Apprentissage sur graphes"]
    chips = [a.get_text(" ", strip=True) for a in page.select(".active-filters .chip")]
    assert len(chips) == 3


def test_places_filter_hides_full_sessions(client, catalogue):
    page = soup(client.get("/formations/?places=1"))
    assert "Éthique des algorithmes" not in card_titles(page)
    assert len(card_titles(page)) == 2


def test_search_finds_a_course_by_a_word_of_its_summary(client, catalogue):
    page = soup(client.get("/formations/?q=discriminations"))
    assert card_titles(page) == ["Éthique des algorithmes"]
    assert page.select_one("#listing-q")["value"] == "discriminations"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="French stemming needs PostgreSQL")
def test_search_stems_french_words(client, catalogue):
    # "discrimination" finds the summary's "discriminations", "détecter" its "Détecter".
    assert card_titles(soup(client.get("/formations/?q=discrimination+détecter"))) == ["Éthique des algorithmes"]


def test_sorting_by_title(client, catalogue):
    page = soup(client.get("/formations/?sort=title"))
    assert card_titles(page) == ["Apprentissage sur graphes", "Éthique des algorithmes", "Vision embarquée sobre"]
    assert page.select_one('#listing-sort option[value="title"]').has_attr("selected")


def test_pagination_keeps_the_filters(client, catalogue_page):
    theme = ThemeFactory(name="Santé", slug="sante")
    for number in range(14):
        CoursePageFactory(parent=catalogue_page, title=f"Cours {number:02d}", themes=[theme])
    CoursePageFactory(parent=catalogue_page, title="Hors thème")
    page = soup(client.get("/formations/?theme=sante&sort=title"))
    assert len(card_titles(page)) == 12
    next_url = page.select_one(".pagination a[rel=next]")["href"]
    assert "theme=sante" in next_url and "sort=title" in next_url and "page=2" in next_url
    second = soup(client.get(next_url))
    assert card_titles(second) == ["Cours 12", "Cours 13"]
    assert second.select_one('.pagination [aria-current="page"]').get_text(strip=True).endswith("2")


def test_invalid_parameters_give_a_notice_not_an_error(client, catalogue):
    response = client.get("/formations/?month=2027-13&from=demain&format=hologram&theme=inconnu&page=x&sort=zz")
    page = soup(response)
    notices = page.select_one(".listing__notices").get_text(" ", strip=True)
    for typed in ("2027-13", "demain", "hologram", "inconnu"):
        assert typed in notices
    # Nothing typed is lost, and the results are unfiltered.
    assert page.select_one("#listing-from")["value"] == "demain"
    assert len(card_titles(page)) == 3


def test_empty_results_suggest_which_filter_to_remove(client, catalogue):
    page = soup(client.get("/formations/?q=biais&format=online"))
    assert card_titles(page) == []
    empty = page.select_one(".listing-empty")
    queries = sorted(urlsplit(a["href"]).query for a in empty.select(".listing-empty__suggestions a"))
    # Removing the format filter finds the ethics course; removing the search text finds the online one.
    assert queries == ["format=online", "q=biais"]
    assert empty.select_one('a[href="/formations/"]') is not None


@pytest.fixture
def english_site(locales, home_page, catalogue_page, catalogue):
    english_home = home_page.copy_for_translation(locales["en"])
    english_home.save_revision().publish()
    english_index = catalogue_page.copy_for_translation(locales["en"])
    english_index.title = "Courses"
    english_index.save_revision().publish()
    english_vision = catalogue["vision"].copy_for_translation(locales["en"])
    english_vision.title = "Frugal embedded vision"
    english_vision.save_revision().publish()
    return english_index


def test_english_listing_shows_french_only_courses_and_english_translations(client, english_site):
    page = soup(client.get("/en/formations/"))
    cards = {
        card.select_one(".course-card__title a").get_text(strip=True): card for card in page.select(".course-card")
    }
    assert set(cards) == {"Frugal embedded vision", "Éthique des algorithmes", "Apprentissage sur graphes"}
    assert cards["Frugal embedded vision"].select_one(".course-card__language-note") is None
    french_only = cards["Éthique des algorithmes"]
    assert french_only.select_one(".course-card__language-note").get_text(strip=True) == "Taught in French"
    assert french_only.select_one(".course-card__title a")["href"] == "/formations/ethique-des-algorithmes/"
    assert cards["Frugal embedded vision"].select_one("a")["href"].startswith("/en/formations/")


def test_a_long_month_facet_folds_later_months_without_javascript(client, catalogue_page):
    course = CoursePageFactory(parent=catalogue_page, title="Séries temporelles")
    first = dt.date.today().replace(day=1) + dt.timedelta(days=40)
    starts = [(first.replace(day=1) + dt.timedelta(days=31 * n)).replace(day=10) for n in range(14)]
    for start in starts:
        SessionFactory(course=course, start=start)

    page = soup(client.get("/formations/"))
    months = page.select_one(".facet--month")
    folded = months.select_one("details.facet__more")

    assert len(months.select("input[name=month]")) == 14
    assert len(folded.select("input[name=month]")) == 2
    assert folded.select_one("input")["value"] == starts[12].strftime("%Y-%m")
    assert not folded.has_attr("open")

    # A folded month that is selected keeps its group open, so the choice stays visible.
    chosen = soup(client.get("/formations/", {"month": starts[13].strftime("%Y-%m")}))
    assert chosen.select_one(".facet--month details.facet__more").has_attr("open")
