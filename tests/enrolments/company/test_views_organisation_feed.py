"""The organisation's iCalendar feed as a calendar application sees it."""

import pytest
from django.urls import reverse
from icalendar import Calendar

from courses.factories import SessionFactory
from courses.models import Session
from enrolments.factories import CompanyOrderFactory, OrganisationFactory, UserFactory
from enrolments.models import OrderStatus
from tests.enrolments.company.dashboard_data import claimed_seat, order_with_seats

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Acme Lyon")


def feed_url(organisation) -> str:
    return reverse("learner_feeds:organisation", kwargs={"token": organisation.calendar_token})


def events(response) -> list:
    assert response.status_code == 200
    return Calendar.from_ical(response.content).walk("VEVENT")


def codes(response) -> set[str]:
    return {str(event["SUMMARY"]).rsplit(" — ", 1)[1].split(" (")[0] for event in events(response)}


def test_url_is_the_documented_path(organisation):
    assert feed_url(organisation) == f"/calendar/organisations/{organisation.calendar_token}.ics"


def test_lists_the_sessions_of_live_orders_only(client, organisation, course):
    for code, status in [
        ("IAF-PAID-01", OrderStatus.PAID),
        ("IAF-INVD-01", OrderStatus.INVOICED),
        ("IAF-PEND-01", OrderStatus.PENDING),
        ("IAF-RELS-01", OrderStatus.CANCELLED),  # released unpaid: the session still runs
    ]:
        CompanyOrderFactory(organisation=organisation, session=SessionFactory(course=course, code=code), status=status)
    CompanyOrderFactory(organisation=OrganisationFactory(), session=SessionFactory(course=course, code="IAF-OTHR-01"))

    response = client.get(feed_url(organisation))  # no sign-in: the token is the credential
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert codes(response) == {"IAF-PAID-01", "IAF-INVD-01", "IAF-PEND-01"}


def test_events_have_the_public_session_feeds_uids(client, organisation, session):
    CompanyOrderFactory(organisation=organisation, session=session)
    Session.objects.filter(pk=session.pk).update(schedule_sequence=2)

    public = events(client.get(reverse("calendar:session", kwargs={"code": session.code})))
    ours = events(client.get(feed_url(organisation)))
    assert [str(e["UID"]) for e in ours] == [str(e["UID"]) for e in public]
    assert len(ours) == 2  # one per day of the session
    assert {int(e["SEQUENCE"]) for e in ours} == {2}


def test_events_say_the_course_session_place_and_number_of_seats(client, organisation, session):
    CompanyOrderFactory(organisation=organisation, session=session, quantity=3)
    CompanyOrderFactory(organisation=organisation, session=session, quantity=2)

    (event, _second_day) = events(client.get(feed_url(organisation) + "?lang=en"))
    assert str(event["SUMMARY"]) == "Apprentissage frugal — IAF-TST-2027-01 (5 seats)"
    assert session.venue.city in str(event["LOCATION"])


def test_the_feed_never_names_the_employees(client, organisation, session):
    order = order_with_seats(organisation, session, free=0, assigned=1, claimed=0)
    claimed_seat(order, learner=UserFactory(first_name="Alix", last_name="Zébulon", email="alix.zebulon@acme.example"))

    body = client.get(feed_url(organisation)).content.decode()
    assert "IAF-TST-2027-01" in body
    for personal in ["Alix", "Zébulon", "alix.zebulon", "assigned0@"]:
        assert personal not in body


def test_a_cancelled_session_stays_as_a_cancelled_event(client, organisation, course):
    cancelled = SessionFactory(course=course, code="IAF-CANC-01")
    CompanyOrderFactory(organisation=organisation, session=cancelled, status=OrderStatus.CANCELLED)
    before = Session.objects.get(pk=cancelled.pk).schedule_sequence
    cancelled.status = "cancelled"
    cancelled.save()

    found = events(client.get(feed_url(organisation)))
    assert found
    assert all(str(e["STATUS"]) == "CANCELLED" for e in found)
    assert {int(e["SEQUENCE"]) for e in found} == {before + 1}


def test_unknown_token_is_not_found(client, organisation):
    assert client.get("/calendar/organisations/not-a-token.ics").status_code == 404


def test_feed_is_private_and_answers_not_modified(client, organisation, session):
    CompanyOrderFactory(organisation=organisation, session=session)
    response = client.get(feed_url(organisation))
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"
    assert client.get(feed_url(organisation), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_empty_feed_is_a_valid_calendar(client, organisation):
    assert events(client.get(feed_url(organisation))) == []


def test_only_get_and_head(client, organisation):
    assert client.post(feed_url(organisation)).status_code == 405
