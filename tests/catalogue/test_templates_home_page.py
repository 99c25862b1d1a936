"""The home page puts forward the challenges, the next sessions, featured courses and partners."""

import re

import pytest
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from catalogue.choices import PartnerKind
from catalogue.factories import CoursePageFactory, PartnerFactory, ThemeFactory
from catalogue.models import FeaturedCourse, ProgrammePage
from tests.catalogue.course_fixtures import build_full_course, in_french, open_session, visible_text


@pytest.fixture
def programme_page(home_page):
    programme = ProgrammePage(
        title="Formation continue ALLyS 2026–2030", slug="programme", intro="<p>Un programme pluriannuel.</p>"
    )
    home_page.add_child(instance=programme)
    programme.save_revision().publish()
    return programme


def publish(page):
    page.save_revision().publish()
    page.refresh_from_db()


def test_home_shows_the_two_strategic_challenges(client, home_page):
    theme = ThemeFactory(name="IA frugale", slug="ia-frugale")
    home_page.challenges = [
        (
            "challenge",
            {"title": "IA frugale pour les données complexes", "text": "Des modèles sobres.", "theme": theme},
        ),
        ("challenge", {"title": "IA pour une société numérique et inclusive", "text": "Une IA pour tous."}),
    ]
    publish(home_page)

    text = visible_text(client.get("/"))

    assert "IA frugale pour les données complexes" in text
    assert "Des modèles sobres." in text
    assert "IA pour une société numérique et inclusive" in text


def test_home_lists_the_next_open_sessions_soonest_first(client, catalogue_page):
    course = build_full_course(catalogue_page)
    other = CoursePageFactory(parent=catalogue_page, title="Vision par ordinateur")
    open_session(other, days_ahead=90, code="LATER")
    open_session(course, days_ahead=30, code="SOON")
    open_session(course, days_ahead=40, code="CANCELLED", status="cancelled")

    response = client.get("/")
    html = response.content.decode()

    assert f'href="{course.url}#session-SOON"' in html
    assert f'href="{other.url}#session-LATER"' in html
    assert html.index("#session-SOON") < html.index("#session-LATER")
    assert "#session-CANCELLED" not in html
    assert in_french("Open for enrolment") in visible_text(response)


def test_home_shows_at_most_six_sessions(client, catalogue_page):
    course = build_full_course(catalogue_page)
    for day in range(8):
        open_session(course, days_ahead=30 + day * 7)

    html = client.get("/").content.decode()

    assert html.count('class="upcoming__item"') == 6


def test_home_shows_featured_courses_in_order(client, home_page, catalogue_page):
    first = CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal", summary="Moins de calcul.")
    second = CoursePageFactory(parent=catalogue_page, title="IA et inclusion")
    # The admin's inline panel numbers the items; do the same here.
    home_page.featured_courses = [
        FeaturedCourse(course=second, sort_order=0),
        FeaturedCourse(course=first, sort_order=1),
    ]
    publish(home_page)

    response = client.get("/")
    text = visible_text(response, after='id="featured-title"')

    assert text.index("IA et inclusion") < text.index("Apprentissage frugal")
    assert "Moins de calcul." in text
    assert f'href="{first.url}"' in response.content.decode()


def test_home_groups_partners_and_shows_names_without_logo(client, home_page):
    PartnerFactory(name="ENS de Lyon", kind=PartnerKind.ACADEMIC)
    PartnerFactory(name="Inria", kind=PartnerKind.RESEARCH)
    PartnerFactory(name="Bioaster Industries", kind=PartnerKind.INDUSTRY)

    text = visible_text(client.get("/"), after='id="partners"')

    academic = text.index(in_french("Academic and research partners"))
    industry = text.index(in_french("Industry partners"))
    assert academic < text.index("ENS de Lyon") < industry
    assert academic < text.index("Inria") < industry
    assert industry < text.index("Bioaster Industries")


def test_home_links_to_the_catalogue_and_the_programme(client, catalogue_page, programme_page):
    html = client.get("/").content.decode()

    assert 'class="button" href="/formations/"' in html
    assert 'href="/programme/"' in html


def test_programme_page_shows_its_years_themes_and_partners(client, programme_page):
    programme_page.years = [
        ("year", {"year": "2026–2027", "title": "Lancement", "aims": "<p>Ouvrir dix formations.</p>"}),
    ]
    theme = ThemeFactory(name="IA pour une société inclusive", slug="ia-inclusive")
    partner = PartnerFactory(name="CHU de Saint-Étienne", kind=PartnerKind.HOSPITAL)
    programme_page.themes.set([theme])
    programme_page.partners.set([partner])
    publish(programme_page)

    text = visible_text(client.get("/programme/"))

    assert "Formation continue ALLyS 2026–2030" in text
    assert "Un programme pluriannuel." in text
    assert "2026–2027 Lancement" in text
    assert "Ouvrir dix formations." in text
    assert "IA pour une société inclusive" in text
    assert "CHU de Saint-Étienne" in text


def test_featured_course_images_are_lazy_renditions_with_dimensions(
    client, home_page, catalogue_page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    image = Image.objects.create(title="Réseau", file=get_test_image_file())
    course = CoursePageFactory(parent=catalogue_page, image=image)
    home_page.featured_courses = [FeaturedCourse(course=course)]
    publish(home_page)

    html = client.get("/").content.decode()

    card_image = re.search(r'<img [^>]*class="card__image"[^>]*>', html).group(0)
    assert 'loading="lazy"' in card_image
    assert "fill-800x450" in card_image
    # The 640×480 test image is cropped to 16:9 without upscaling.
    assert 'width="640"' in card_image
    assert 'height="360"' in card_image
    assert 'alt=""' in card_image


def test_english_home_links_sessions_to_the_english_course_page(client, catalogue_page, locales):
    course = build_full_course(catalogue_page)
    open_session(course, code="IAF-EN-02")
    english = course.copy_for_translation(locales["en"], copy_parents=True)
    english.title = "Frugal deep learning"
    english.save_revision().publish()

    response = client.get("/en/")

    assert response.status_code == 200
    assert 'href="/en/formations/apprentissage-profond-frugal/#session-IAF-EN-02"' in response.content.decode()
    assert "Frugal deep learning" in visible_text(response, after='id="sessions-title"')
