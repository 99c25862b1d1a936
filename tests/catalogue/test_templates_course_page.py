"""The course page shows every Qualiopi indicator-1 item and its sessions to come."""

import datetime as dt
from decimal import Decimal

from bs4 import BeautifulSoup
from django.utils import timezone, translation
from django.utils.formats import date_format

from catalogue.factories import CoursePageFactory
from courses.factories import make_slots
from courses.models import PriceTier, PriceTierKind
from tests.catalogue.course_fixtures import build_full_course, in_french, in_french_plural, open_session, visible_text


def test_course_page_shows_every_indicator_1_item_in_order(client, catalogue_page):
    course = build_full_course(catalogue_page)

    response = client.get(course.url)

    assert response.status_code == 200
    assert "Une formation courte et pratique." in visible_text(response)  # summary, in the page header
    body = visible_text(response, after='class="course-body"')
    items = [
        "Savoir entraîner un modèle sobre.",  # objectives
        "Ingénieurs et data scientists.",  # target audience
        "Python et statistiques de base.",  # prerequisites
        in_french("Intermediate"),  # level
        in_french("%(hours)s hours", hours="14"),  # duration
        "Compression de modèles",  # syllabus modules with their hours
        in_french("%(hours)s h", hours="7"),
        "Distillation",
        in_french("%(hours)s h", hours="3,5"),
        in_french("In person"),  # format
        in_french("French"),  # languages
        "Cours, travaux pratiques sur notebooks.",  # teaching methods
        "QCM et projet final.",  # assessment methods
        "Inscription en ligne, entretien si besoin.",  # how to access
        in_french_plural(
            "Enrolment possible until %(counter)s day before the start.",
            "Enrolment possible until %(counter)s days before the start.",
            7,
        ),  # access delay
        "900\xa0€",  # price (no session yet: the indicative price)
        "Tarif réduit sur justificatif.",
        "Locaux accessibles ; adaptations sur demande.",  # accessibility
        "Camille Martin",
        "Équipe formation ALLyS",  # course contact
        "formation@allys.example",
    ]
    assert [item for item in items if item not in body] == []
    positions = [body.index(item) for item in items]
    assert positions == sorted(positions)


def test_course_page_links_the_disability_and_course_contacts_by_email(client, catalogue_page):
    course = build_full_course(catalogue_page)

    html = client.get(course.url).content.decode()

    assert 'href="mailto:handicap@allys.example"' in html
    assert 'href="mailto:formation@allys.example"' in html
    assert 'href="tel:0472000000"' in html


def test_course_page_shows_trainers_partners_certification_and_results(client, catalogue_page):
    course = build_full_course(catalogue_page)

    text = visible_text(client.get(course.url))

    assert "Inès Berthier" in text
    assert "Doctorat en apprentissage statistique." in text
    assert "Université Jean Monnet" in text
    assert "Concevoir des modèles sobres" in text
    assert "RS6154" in text
    assert "ENS de Lyon" in text
    assert "92\xa0%" in text
    assert "88\xa0%" in text


def test_course_page_hides_results_and_certification_when_not_set(client, catalogue_page):
    course = CoursePageFactory(parent=catalogue_page)

    text = visible_text(client.get(course.url))

    assert in_french("Satisfaction rate") not in text
    assert in_french("RNCP/RS code") not in text


def test_session_shows_each_day_with_times_place_and_places_left(client, catalogue_page):
    course = build_full_course(catalogue_page)
    start = dt.date.today() + dt.timedelta(days=50)
    open_session(course, slots=make_slots(start, 2, dt.time(9, 30), dt.time(17, 0)), places_taken=9)

    text = visible_text(client.get(course.url))

    with translation.override("fr"):
        days = [date_format(start + dt.timedelta(days=i), "l j F Y") for i in range(2)]
    for day in days:
        assert f"{day}, {in_french('%(start)s to %(end)s', start='09:30', end='17:00')}" in text
    assert "Campus Monod 46 allée d'Italie 69007 Lyon" in text
    assert in_french_plural("%(counter)s place left", "%(counter)s places left", 3) in text


def test_online_session_says_so_instead_of_an_address(client, catalogue_page):
    course = build_full_course(catalogue_page)
    open_session(course, venue=None, is_online=True)

    text = visible_text(client.get(course.url))

    place = text[text.index(in_french("Place")) :]
    assert place.startswith(f"{in_french('Place')} {in_french('Online')}")


def test_session_prices_are_shown_per_tier_with_their_tax_mention(client, catalogue_page):
    course = build_full_course(catalogue_page)
    open_session(
        course,
        price_tiers=[
            PriceTier(kind=PriceTierKind.INDIVIDUAL, amount=Decimal("1000"), tax_included=True, vat_exempt=False),
            PriceTier(kind=PriceTierKind.EMPLOYER, amount=Decimal("1200.50"), tax_included=False, vat_exempt=False),
            PriceTier(kind=PriceTierKind.REDUCED, amount=Decimal("500"), tax_included=True, vat_exempt=True),
            PriceTier(kind=PriceTierKind.FREE, amount=Decimal("0")),
        ],
    )

    text = visible_text(client.get(course.url))

    assert f"{in_french('Self-funded individual')} 1\xa0000\xa0€ {in_french('incl. VAT')}" in text
    assert f"{in_french('Employer-funded')} 1\xa0200,50\xa0€ {in_french('excl. VAT')}" in text
    assert f"{in_french('Reduced (job seekers, students)')} 500\xa0€ {in_french('VAT exempt')}" in text
    assert f"{in_french('Free (partner staff)')} {in_french('Free')}" in text


def test_full_session_says_full(client, catalogue_page):
    course = build_full_course(catalogue_page)
    open_session(course, capacity=12, places_taken=12)

    text = visible_text(client.get(course.url))

    assert f"{in_french('Places left')} {in_french('Full')}" in text


def test_sessions_link_their_ics_and_the_course_feed(client, catalogue_page):
    course = build_full_course(catalogue_page)
    session = open_session(course, code="IAF-DL-2027-03")

    html = client.get(course.url).content.decode()

    assert 'href="/calendar/sessions/IAF-DL-2027-03.ics"' in html
    assert f'href="/calendar/courses/{course.slug}.ics"' in html
    assert f'id="session-{session.code}"' in html


def test_an_open_session_links_to_its_enrolment(client, catalogue_page):
    course = build_full_course(catalogue_page)
    session = open_session(course)

    response = client.get(course.url)
    soup = BeautifulSoup(response.content, "html.parser")

    link = soup.find("a", href=f"/inscription/{session.code}/")
    assert link is not None
    assert in_french("Enrol") in link.get_text()
    assert in_french("Enrolment opens soon") not in visible_text(response)


def test_a_session_whose_enrolment_has_not_opened_announces_it(client, catalogue_page):
    course = build_full_course(catalogue_page)
    session = open_session(course, code="SOON-1")
    session.enrolment_opens_at = timezone.now() + dt.timedelta(days=3)
    session.save()

    text = visible_text(client.get(course.url), after='id="session-SOON-1"')

    assert in_french("Enrolment opens soon") in text
    assert "/inscription/SOON-1/" not in client.get(course.url).content.decode()


def test_a_full_session_offers_the_waitlist(client, catalogue_page):
    course = build_full_course(catalogue_page)
    open_session(course, code="FULL-2", capacity=10, places_taken=10)

    text = visible_text(client.get(course.url), after='id="session-FULL-2"')

    assert in_french("Join the waitlist") in text


def test_a_full_session_does_not_announce_enrolment(client, catalogue_page):
    course = build_full_course(catalogue_page)
    open_session(course, code="FULL-1", capacity=10, places_taken=10)

    text = visible_text(client.get(course.url), after='id="session-FULL-1"')

    assert in_french("Full") in text
    assert in_french("Enrolment opens soon") not in text


def test_finished_and_far_past_sessions_are_not_listed(client, catalogue_page):
    course = build_full_course(catalogue_page)
    open_session(course, code="PAST-1", days_ahead=-30)
    open_session(course, code="NEXT-1", days_ahead=30)

    html = client.get(course.url).content.decode()

    assert "NEXT-1" in html
    assert "PAST-1" not in html


def test_translated_course_page_lists_the_sessions_of_its_source(client, catalogue_page, locales):
    course = build_full_course(catalogue_page)
    open_session(course, code="IAF-EN-01")
    english = course.copy_for_translation(locales["en"], copy_parents=True)
    english.title = "Frugal deep learning"
    english.save_revision().publish()

    response = client.get("/en/formations/apprentissage-profond-frugal/")

    assert response.status_code == 200
    assert "Frugal deep learning" in visible_text(response)
    html = response.content.decode()
    assert 'id="session-IAF-EN-01"' in html
    # Calendar feeds linked from the English site are written in English.
    assert 'href="/calendar/sessions/IAF-EN-01.ics?lang=en"' in html
