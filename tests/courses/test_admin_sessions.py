"""The sessions admin: list and filters, create with timetable and prices, protected delete."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from catalogue.factories import CoursePageFactory, ThemeFactory
from courses.factories import SessionFactory, VenueFactory
from courses.models import PriceTierKind, Session, SessionStatus


@pytest.fixture
def manager(client, django_user_model):
    user = django_user_model.objects.create_user(username="manon", password="pw", email="manon@x.test")
    user.groups.add(Group.objects.get(name="Programme managers"))
    client.force_login(user)
    return user


@pytest.fixture
def courses(catalogue_page):
    frugal = ThemeFactory(name="IA frugale")
    inclusive = ThemeFactory(name="IA inclusive")
    return {
        "dl": CoursePageFactory(parent=catalogue_page, title="Apprentissage profond sobre", themes=[frugal]),
        "nlp": CoursePageFactory(parent=catalogue_page, title="TAL et accessibilité", themes=[inclusive]),
        "frugal": frugal,
    }


def index(client, **params):
    response = client.get(reverse("sessions:index"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_index_lists_sessions_with_course_dates_place_and_places(client, manager, courses):
    SessionFactory(code="IAF-DL-2027-03", course=courses["dl"], start=dt.date(2027, 3, 29), days=3, places_taken=4)
    SessionFactory(code="IAI-NLP-2027-05", course=courses["nlp"], venue=None, is_online=True)

    html = index(client)

    assert "IAF-DL-2027-03" in html and "IAI-NLP-2027-05" in html
    assert "Apprentissage profond sobre" in html
    assert "29/03/2027 – 31/03/2027" in html
    assert "8/12" in html
    assert "Lyon" in html


def test_filters_by_course_status_theme_and_start_date_narrow_the_list(client, manager, courses):
    SessionFactory(code="DL-MARS", course=courses["dl"], start=dt.date(2027, 3, 29))
    SessionFactory(code="DL-JUIN", course=courses["dl"], start=dt.date(2027, 6, 7), status=SessionStatus.CANCELLED)
    SessionFactory(code="NLP-MAI", course=courses["nlp"], start=dt.date(2027, 5, 10))

    by_course = index(client, course=courses["dl"].pk)
    assert "DL-MARS" in by_course and "DL-JUIN" in by_course and "NLP-MAI" not in by_course

    by_status = index(client, status=SessionStatus.CANCELLED)
    assert "DL-JUIN" in by_status and "DL-MARS" not in by_status and "NLP-MAI" not in by_status

    by_theme = index(client, theme=courses["frugal"].pk)
    assert "DL-MARS" in by_theme and "NLP-MAI" not in by_theme

    by_dates = index(client, starts_at_from="2027-05-01", starts_at_to="2027-05-31")
    assert "NLP-MAI" in by_dates and "DL-MARS" not in by_dates and "DL-JUIN" not in by_dates


def test_search_finds_sessions_by_code_and_course_title(client, manager, courses):
    SessionFactory(code="DL-MARS", course=courses["dl"])
    SessionFactory(code="NLP-MAI", course=courses["nlp"])

    assert "NLP-MAI" not in index(client, q="profond")
    assert "DL-MARS" in index(client, q="profond")
    assert "NLP-MAI" in index(client, q="nlp-mai")


def test_index_query_count_does_not_grow_with_sessions(client, manager, courses):
    SessionFactory(course=courses["dl"])
    index(client)  # warm caches
    with CaptureQueriesContext(connection) as one:
        index(client)
    for _ in range(5):
        SessionFactory(course=courses["nlp"])
    with CaptureQueriesContext(connection) as six:
        index(client)
    assert len(six) == len(one)


def session_form_data(course, venue):
    data = {
        "code": "IAF-DL-2027-09",
        "status": SessionStatus.SCHEDULED,
        "course": str(course.pk),
        "venue": str(venue.pk),
        "capacity": "14",
        "enrolment_opens_at": "",
        "enrolment_closes_at": "",
        "slots": inline_formset(
            [
                {"date": "2027-09-13", "start_time": "09:00", "end_time": "17:00"},
                {"date": "2027-09-14", "start_time": "09:00", "end_time": "12:30"},
            ],
            min=1,
        ),
        "price_tiers": inline_formset(
            [
                {
                    "kind": PriceTierKind.INDIVIDUAL,
                    "amount": "900.00",
                    "tax_included": "on",
                    "vat_exempt": "on",
                    "vat_rate": "20.00",
                },
                {"kind": PriceTierKind.EMPLOYER, "amount": "1350.00", "vat_exempt": "on", "vat_rate": "20.00"},
            ]
        ),
    }
    flat = nested_form_data(data)
    flat["languages"] = "fr"  # a checkbox list: nested_form_data would number a list
    return flat


def test_create_session_with_timetable_and_price_tiers(client, manager, courses):
    venue = VenueFactory(city="Saint-Étienne")

    response = client.post(reverse("sessions:add"), session_form_data(courses["dl"], venue))

    assert response.status_code == 302
    session = Session.objects.get(code="IAF-DL-2027-09")
    assert session.course.pk == courses["dl"].pk
    assert [str(slot) for slot in session.slots.all()] == ["2027-09-13 09:00–17:00", "2027-09-14 09:00–12:30"]
    assert session.starts_at == dt.datetime(2027, 9, 13, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    tiers = {tier.kind: tier for tier in session.price_tiers.all()}
    assert tiers[PriceTierKind.INDIVIDUAL].amount_incl_tax == 900
    assert not tiers[PriceTierKind.EMPLOYER].tax_included


def test_create_session_without_venue_or_online_is_refused_and_keeps_the_input(client, manager, courses):
    data = session_form_data(courses["dl"], VenueFactory())
    data["venue"] = ""

    response = client.post(reverse("sessions:add"), data)

    assert response.status_code == 200
    with translation.override("fr"):
        message = escape(translation.gettext("Choose a venue, or mark the session as online."))
    assert message in response.content.decode()
    assert "IAF-DL-2027-09" in response.content.decode()
    assert not Session.objects.filter(code="IAF-DL-2027-09").exists()


def test_add_form_prefills_the_course_from_the_query_string(client, manager, courses):
    response = client.get(reverse("sessions:add"), {"course": courses["nlp"].pk})

    assert response.status_code == 200
    assert f'value="{courses["nlp"].pk}"' in response.content.decode()
    assert "TAL et accessibilité" in response.content.decode()


def test_deleting_a_session_with_places_taken_is_refused(client, manager, courses):
    session = SessionFactory(code="DL-PLEIN", course=courses["dl"], places_taken=3)
    url = reverse("sessions:delete", args=(session.pk,))

    response = client.post(url, follow=True)

    assert Session.objects.filter(pk=session.pk).exists()
    with translation.override("fr"):
        message = translation.ngettext(
            "Session %(code)s cannot be deleted: %(count)s place is taken. Cancel it instead.",
            "Session %(code)s cannot be deleted: %(count)s places are taken. Cancel it instead.",
            3,
        ) % {"code": "DL-PLEIN", "count": 3}
    assert escape(message) in response.content.decode()


def test_deleting_a_session_nobody_takes_part_in_works(client, manager, courses):
    session = SessionFactory(code="DL-VIDE", course=courses["dl"])

    response = client.post(reverse("sessions:delete", args=(session.pk,)))

    assert response.status_code == 302
    assert not Session.objects.filter(pk=session.pk).exists()


def test_course_editor_lists_its_sessions_with_edit_and_add_links(client, manager, courses):
    session = SessionFactory(code="IAF-DL-2027-03", course=courses["dl"], start=dt.date(2027, 3, 29), places_taken=2)
    SessionFactory(code="AUTRE-COURS", course=courses["nlp"])

    response = client.get(reverse("wagtailadmin_pages:edit", args=(courses["dl"].pk,)))

    html = response.content.decode()
    assert "IAF-DL-2027-03" in html and "AUTRE-COURS" not in html
    assert "10/12" in html
    assert reverse("sessions:edit", args=(session.pk,)) in html
    assert f"{reverse('sessions:add')}?course={courses['dl'].pk}" in html
