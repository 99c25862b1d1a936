"""The personal iCalendar feed as a calendar application and its owner see it."""

import pytest
from django.urls import reverse
from icalendar import Calendar

from courses.factories import SessionFactory
from courses.models import Session
from enrolments.factories import EnrolmentFactory, UserFactory
from enrolments.models import EnrolmentStatus

pytestmark = pytest.mark.django_db


def feed_url(user) -> str:
    return reverse("learner_feeds:learner", kwargs={"token": user.calendar_token})


def events(response) -> list:
    assert response.status_code == 200
    return Calendar.from_ical(response.content).walk("VEVENT")


def codes(response) -> set[str]:
    return {str(event["SUMMARY"]).rsplit(" — ", 1)[1] for event in events(response)}


def test_url_is_the_documented_path(learner):
    assert feed_url(learner) == f"/calendar/learners/{learner.calendar_token}.ics"


def test_lists_my_confirmed_and_completed_sessions_only(client, learner, course):
    mine = SessionFactory(course=course, code="IAF-MINE-01")
    done = SessionFactory(course=course, code="IAF-DONE-01")
    withdrawn = SessionFactory(course=course, code="IAF-GONE-01")
    someone_elses = SessionFactory(course=course, code="IAF-OTHER-01")
    EnrolmentFactory(session=mine, learner=learner)
    EnrolmentFactory(session=done, learner=learner, status=EnrolmentStatus.COMPLETED)
    EnrolmentFactory(session=withdrawn, learner=learner, status=EnrolmentStatus.WITHDRAWN)
    EnrolmentFactory(session=someone_elses, learner=UserFactory())

    response = client.get(feed_url(learner))  # no sign-in: the token is the credential
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert codes(response) == {"IAF-MINE-01", "IAF-DONE-01"}


def test_events_are_the_public_session_feeds_events(client, learner, session):
    EnrolmentFactory(session=session, learner=learner)
    Session.objects.filter(pk=session.pk).update(schedule_sequence=3)  # rescheduled three times

    public = events(client.get(reverse("calendar:session", kwargs={"code": session.code})))
    personal = events(client.get(feed_url(learner)))
    assert [str(e["UID"]) for e in personal] == [str(e["UID"]) for e in public]
    assert {int(e["SEQUENCE"]) for e in personal} == {3}


def test_unknown_token_is_not_found(client, learner):
    assert client.get("/calendar/learners/not-a-token.ics").status_code == 404


def test_feed_is_private_and_answers_not_modified(client, learner, session):
    EnrolmentFactory(session=session, learner=learner)
    response = client.get(feed_url(learner))
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    again = client.get(feed_url(learner), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_etag_changes_when_my_sessions_change(client, learner, session, course):
    EnrolmentFactory(session=session, learner=learner)
    before = client.get(feed_url(learner))["ETag"]
    EnrolmentFactory(session=SessionFactory(course=course), learner=learner)
    assert client.get(feed_url(learner), HTTP_IF_NONE_MATCH=before).status_code == 200


def test_regenerating_the_token_kills_the_old_url(client, learner, session):
    EnrolmentFactory(session=session, learner=learner)
    old_url = feed_url(learner)
    client.force_login(learner)
    response = client.post(reverse("dashboard:feed_regenerate"))
    assert response.status_code == 302
    learner.refresh_from_db()
    assert client.get(old_url).status_code == 404
    assert codes(client.get(feed_url(learner))) == {session.code}
    # The dashboard now shows the new address.
    assert feed_url(learner) in client.get(reverse("dashboard:home")).content.decode()


def test_regenerating_needs_a_signed_in_post(client, learner):
    token = learner.calendar_token
    assert client.post(reverse("dashboard:feed_regenerate")).status_code == 302  # to sign in
    client.force_login(learner)
    assert client.get(reverse("dashboard:feed_regenerate")).status_code == 405
    learner.refresh_from_db()
    assert learner.calendar_token == token


def test_a_closed_account_has_no_feed(client, learner):
    learner.is_active = False
    learner.save()
    assert client.get(feed_url(learner)).status_code == 404


def test_empty_feed_is_a_valid_calendar(client, learner):
    response = client.get(feed_url(learner))
    assert response.status_code == 200
    assert Calendar.from_ical(response.content).walk("VEVENT") == []


def test_a_session_the_organiser_cancelled_stays_as_a_cancelled_event(client, learner, course):
    cancelled = SessionFactory(course=course, code="IAF-CANC-01")
    EnrolmentFactory(session=cancelled, learner=learner, status=EnrolmentStatus.CANCELLED_BY_ORGANISER)
    before = Session.objects.get(pk=cancelled.pk).schedule_sequence
    cancelled.status = "cancelled"
    cancelled.save()

    (event, *others) = events(client.get(feed_url(learner)))
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == before + 1
    assert all(str(e["STATUS"]) == "CANCELLED" for e in others)
