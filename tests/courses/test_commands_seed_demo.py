"""``manage.py seed_demo`` builds a browsable demo programme, and running it twice adds nothing."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from wagtail.models import Locale, Page, Site

from catalogue.choices import PartnerKind
from catalogue.models import CatalogueIndexPage, CoursePage, HomePage, Partner, ProgrammePage, Theme
from courses.availability import SessionState
from courses.models import PARIS, Session, SessionStatus

ACADEMIC_PARTNERS = {
    "ENS de Lyon",
    "Lyon 1",
    "Lyon 2",
    "Lyon 3",
    "UJM",
    "CPE Lyon",
    "Centrale Lyon",
    "Mines Saint-Étienne",
    "ENTPE",
    "INSA Lyon",
    "CNRS",
    "Inria Lyon",
    "Inserm",
    "CLB",
    "HCL",
    "IFPEN",
}


def counts() -> dict[str, int]:
    user_model = get_user_model()
    return {
        "pages": Page.objects.count(),
        "sessions": Session.objects.count(),
        "partners": Partner.objects.count(),
        "themes": Theme.objects.count(),
        "users": user_model.objects.count(),
    }


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """Seed once for the module, inside a transaction rolled back at the end.

    Each test then runs in its own nested transaction (the ``db`` fixture),
    so what a test changes is undone while the seed stays for the next one.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
    Site.clear_site_root_paths_cache()


@pytest.fixture
def seeded(seeded_once, db) -> str:
    return seeded_once


def test_seed_publishes_thirty_french_courses_with_every_required_item(seeded):
    courses = CoursePage.objects.live().filter(locale__language_code="fr")
    assert courses.count() >= 30
    for course in courses:
        assert course.objectives and course.prerequisites and course.audience and course.teaching_methods
        assert course.assessment_methods and course.access_modalities and course.accessibility
        assert course.access_delay_days and course.price_from and course.contact_email
        assert course.syllabus_hours == course.duration_hours, course.title
        assert course.themes.exists() and course.partners.exists() and course.trainers.exists()


def test_seed_schedules_sessions_from_2026_to_2029_in_every_state(seeded):
    sessions = Session.objects.all()
    assert sessions.count() >= 90
    assert {s.starts_at.astimezone(PARIS).year for s in sessions} == {2026, 2027, 2028, 2029}
    assert sessions.filter(status=SessionStatus.CANCELLED).count() == 1
    assert sessions.filter(places_taken=F("capacity"), status=SessionStatus.SCHEDULED).exists()
    # Judged on the demo's reference date, some sessions are over and one is cancelled.
    reference = dt.datetime(2026, 11, 26, 12, tzinfo=PARIS)
    states = {s.state(reference) for s in sessions.select_related("course")}
    assert {SessionState.FINISHED, SessionState.OPEN, SessionState.CANCELLED} <= states
    assert all(s.slots.exists() and s.price_tiers.count() == 4 for s in sessions)


def test_seed_lists_the_sixteen_academic_partners_led_by_ens_de_lyon(seeded):
    academic = Partner.objects.exclude(kind=PartnerKind.INDUSTRY)
    assert set(academic.values_list("short_name", flat=True)) == ACADEMIC_PARTNERS
    assert Partner.objects.get(is_lead=True).short_name == "ENS de Lyon"
    assert Partner.objects.filter(kind=PartnerKind.INDUSTRY).count() >= 10


def test_seed_replaces_the_wagtail_welcome_page_with_the_french_home(seeded, client):
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    assert site.root_page.slug == "accueil"
    assert not Page.objects.filter(title__startswith="Welcome to your new Wagtail site").exists()
    home = client.get("/")
    assert home.status_code == 200
    assert "IA frugale pour les données complexes" in home.content.decode()
    assert "IA pour une société numérique et inclusive" in home.content.decode()
    response = client.get("/formations/")
    assert response.status_code == 200
    assert "Formations" in response.content.decode()


def test_seed_translates_the_site_and_some_courses_into_english(seeded, client):
    english = CoursePage.objects.live().filter(locale__language_code="en")
    assert english.count() >= 5
    assert english.filter(title="Complying with the AI Act").exists()
    assert HomePage.objects.filter(locale__language_code="en", live=True).exists()
    assert ProgrammePage.objects.filter(locale__language_code="en", live=True).exists()
    assert CatalogueIndexPage.objects.get(locale__language_code="en").slug == "formations"
    assert Theme.objects.filter(locale__language_code="en").count() == 2
    home = client.get("/en/")
    assert home.status_code == 200
    assert "Frugal AI for complex data" in home.content.decode()
    assert client.get("/en/formations/").status_code == 200


def test_seed_creates_the_demo_editors_in_their_groups(seeded):
    user_model = get_user_model()
    assert user_model.objects.get(username="admin").is_superuser
    assert user_model.objects.get(username="concepteur").groups.filter(name="Course designers").exists()
    assert user_model.objects.get(username="responsable").groups.filter(name="Programme managers").exists()
    assert "allys-concepteur-demo" in seeded  # the printed demo password


def test_seed_creates_finance_staff_and_a_learner_who_can_log_in_by_email(seeded, client):
    user_model = get_user_model()
    assert user_model.objects.get(username="finance").groups.filter(name="Finance staff").exists()
    assert "apprenant@allys.example" in seeded

    response = client.post("/accounts/login/", {"login": "apprenant@allys.example", "password": "allys-apprenant-demo"})

    assert response.status_code == 302
    assert response.url == "/mon-espace/"
    assert user_model.objects.get(username="apprenant").has_legal_profile


def test_seed_run_twice_creates_nothing_new(seeded):
    before = counts()
    call_command("seed_demo", quiet=True)
    assert counts() == before


def test_seed_generates_extra_courses_and_sessions_for_benchmarks(seeded):
    before = counts()
    call_command("seed_demo", courses=5, sessions_per_course=2, quiet=True)
    generated = CoursePage.objects.live().filter(slug__startswith="gen-")
    assert generated.count() == 5
    assert Session.objects.count() == before["sessions"] + 10
    found = CoursePage.objects.live().search("neurones compacts")
    assert [page.slug for page in found] == ["gen-00001-reseaux-de-neurones-compacts-pour-la-sante-les-fondamentaux"]
    assert all(course.url.startswith("/formations/gen-") for course in generated)
    call_command("seed_demo", courses=5, sessions_per_course=2, quiet=True)
    assert counts()["sessions"] == before["sessions"] + 10


def test_seeded_courses_are_found_by_text_search(seeded):
    french = Locale.objects.get(language_code="fr")
    found = CoursePage.objects.live().filter(locale=french).search("microcontrôleurs")
    assert [page.slug for page in found] == ["tinyml-ia-embarquee"]


def test_the_demo_company_manager_sees_paid_seats_and_an_open_quote(seeded, client):
    from enrolments.models import OrderStatus, Organisation, QuoteStatus

    out = StringIO()
    call_command("seed_demo_organisation", stdout=out)
    call_command("seed_demo_organisation", stdout=out)  # a second run leaves it as it is

    organisation = Organisation.objects.get()
    [order] = organisation.orders.all()
    assert organisation.is_verified
    assert order.status == OrderStatus.PAID
    assert organisation.quotes.filter(status=QuoteStatus.ISSUED).count() == 1
    credentials = {"login": "entreprise@allys.example", "password": "allys-entreprise-demo"}
    response = client.post("/accounts/login/", credentials)
    assert response.status_code == 302
    page = client.get(f"/en/entreprises/{organisation.public_id}/").content.decode()
    assert "Lumière Analytics SAS" in page
    assert order.reference in page
    assert "exists already" in out.getvalue()
