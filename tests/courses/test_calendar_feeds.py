"""What a calendar application reads in the feeds: events, times, places, updates."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from catalogue.factories import CoursePageFactory
from courses import calendar_cache
from courses.calendar import SessionEvents, SlotTimes, slot_components, write_calendar
from courses.factories import SessionFactory, VenueFactory
from courses.listing import clear_cache
from courses.models import SessionStatus, TimetableSlot

UTC = dt.UTC


@pytest.fixture
def course(catalogue_page):
    return CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal", slug="apprentissage-frugal")


def fetch(client, url: str, **params) -> Calendar:
    response = client.get(url, params)
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def session_feed(client, session, **params) -> Calendar:
    return fetch(client, reverse("calendar:session", kwargs={"code": session.code}), **params)


def events_by_uid(calendar: Calendar) -> dict:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def reschedule(session, **changes) -> None:
    """Change the first slot in memory and save the session as a cluster, as the admin does."""
    slots = list(session.slots.all())
    for name, value in changes.items():
        setattr(slots[0], name, value)
    session.slots = slots
    session.save()


def test_one_event_per_slot_with_summary_location_and_links(client, course):
    venue = VenueFactory(name="ENS de Lyon", street_address="15 parvis René Descartes", postal_code="69007")
    session = SessionFactory(course=course, code="IAF-DL-2027-03", start=dt.date(2027, 3, 10), days=3, venue=venue)

    calendar = session_feed(client, session)

    events = calendar.walk("VEVENT")
    assert len(events) == 3
    slot_pks = [slot.pk for slot in session.slots.all()]
    assert sorted(str(e["UID"]) for e in events) == sorted(
        f"slot-{pk}.IAF-DL-2027-03@formation.allys.fr" for pk in slot_pks
    )
    first = min(events, key=lambda e: e.start)
    assert str(first["SUMMARY"]) == "Apprentissage frugal — IAF-DL-2027-03"
    assert str(first["LOCATION"]) == "ENS de Lyon, 15 parvis René Descartes, 69007 Lyon"
    assert str(first["URL"]) == "http://testserver/formations/apprentissage-frugal/"
    description = str(first["DESCRIPTION"])
    assert "1/3" in description
    assert "http://testserver/formations/apprentissage-frugal/" in description
    assert str(first["STATUS"]) == "CONFIRMED"
    assert "DTSTAMP" in first


def test_calendar_properties(client, course):
    session = SessionFactory(course=course, code="IAF-DL-2027-03", start=dt.date(2027, 3, 10))

    calendar = session_feed(client, session)

    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).startswith("-//ALLyS//")
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Apprentissage frugal — IAF-DL-2027-03"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Paris"


def test_online_session_location_follows_the_language(client, course):
    session = SessionFactory(course=course, venue=None, is_online=True, start=dt.date(2027, 3, 10), days=1)

    english = session_feed(client, session, lang="en").walk("VEVENT")[0]

    assert str(english["LOCATION"]) == "Online"


@pytest.mark.parametrize(
    ("days", "expected_utc"),
    [
        # Spring forward on 2027-03-28: 09:00 in Paris is 08:00Z before, 07:00Z after.
        ([dt.date(2027, 3, 26), dt.date(2027, 3, 29)], ["08:00", "07:00"]),
        # Fall back on 2027-10-31: 09:00 in Paris is 07:00Z before, 08:00Z after.
        ([dt.date(2027, 10, 29), dt.date(2027, 11, 2)], ["07:00", "08:00"]),
    ],
)
def test_times_are_paris_wall_clock_across_daylight_saving(client, course, days, expected_utc):
    slots = [TimetableSlot(date=day, start_time=dt.time(9), end_time=dt.time(17)) for day in days]
    session = SessionFactory(course=course, slots=slots)

    calendar = session_feed(client, session)

    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.start)
    assert [e["DTSTART"].params["TZID"] for e in events] == ["Europe/Paris", "Europe/Paris"]
    assert [e.start.astimezone(UTC).strftime("%H:%M") for e in events] == expected_utc
    # A client that only trusts the feed's own VTIMEZONE gets the same instants.
    (vtimezone,) = calendar.timezones
    own_tz = vtimezone.to_tz(lookup_tzid=False)
    local = [e.start.replace(tzinfo=None) for e in events]
    assert [t.replace(tzinfo=own_tz).astimezone(UTC).strftime("%H:%M") for t in local] == expected_utc


def test_vtimezone_is_bounded_to_the_dates_used(client, course):
    session = SessionFactory(course=course, start=dt.date(2027, 3, 26), days=4)

    calendar = session_feed(client, session)

    (vtimezone,) = calendar.timezones
    assert vtimezone.tz_name == "Europe/Paris"
    assert 1 <= len(vtimezone.subcomponents) <= 4
    transitions, _info = vtimezone.get_transitions()
    assert {moment.year for moment in transitions} <= {2026, 2027}
    assert len(transitions) <= 4


def test_uids_survive_a_resave_and_a_date_change(client, course):
    session = SessionFactory(course=course, start=dt.date(2027, 5, 3), days=2)
    before = set(events_by_uid(session_feed(client, session)))

    session.save()
    reschedule(session, date=dt.date(2027, 5, 10))

    after = events_by_uid(session_feed(client, session))
    assert set(after) == before
    assert sorted(e.start.date() for e in after.values()) == [dt.date(2027, 5, 4), dt.date(2027, 5, 10)]


def test_sequence_increases_when_the_time_or_the_venue_changes(client, course):
    session = SessionFactory(course=course, start=dt.date(2027, 5, 3))
    sequence = session_feed(client, session).walk("VEVENT")[0]["SEQUENCE"]

    reschedule(session, start_time=dt.time(10))
    after_time = session_feed(client, session).walk("VEVENT")[0]["SEQUENCE"]
    session.venue = VenueFactory()
    session.save()
    after_venue = session_feed(client, session).walk("VEVENT")[0]["SEQUENCE"]

    assert sequence < after_time < after_venue


def test_cancelled_session_keeps_its_uids_with_a_higher_sequence(client, course):
    session = SessionFactory(course=course, start=dt.date(2027, 5, 3))
    before = events_by_uid(session_feed(client, session))

    session.status = SessionStatus.CANCELLED
    session.save()

    after = events_by_uid(session_feed(client, session))
    assert set(after) == set(before)
    for uid, event in after.items():
        assert str(event["STATUS"]) == "CANCELLED"
        assert event["SEQUENCE"] > before[uid]["SEQUENCE"]


def test_course_feed_lists_current_sessions_of_the_course_only(client, course, catalogue_page):
    today = dt.date.today()
    current = SessionFactory(course=course, start=today + dt.timedelta(days=20), days=2)
    running = SessionFactory(course=course, start=today - dt.timedelta(days=1), days=3)
    SessionFactory(course=course, start=today - dt.timedelta(days=90), days=2)  # long finished
    SessionFactory(course=CoursePageFactory(parent=catalogue_page), start=today + dt.timedelta(days=20))

    calendar = fetch(client, reverse("calendar:course", kwargs={"slug": "apprentissage-frugal"}))

    codes = {str(e["SUMMARY"]).rsplit(" — ", 1)[1] for e in calendar.walk("VEVENT")}
    assert codes == {current.code, running.code}
    assert len(calendar.walk("VEVENT")) == 5
    assert str(calendar["X-WR-CALNAME"]) == "Apprentissage frugal"


def test_english_course_feed_finds_the_sessions_of_the_french_page(client, course, locales):
    english = course.copy_for_translation(locales["en"], copy_parents=True, alias=False)
    english.title = "Frugal learning"
    english.save_revision().publish()
    session = SessionFactory(course=course, start=dt.date.today() + dt.timedelta(days=20), days=1)

    calendar = fetch(client, reverse("calendar:course", kwargs={"slug": english.slug}), lang="en")

    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == f"Frugal learning — {session.code}"
    assert str(event["URL"]).startswith("http://testserver/en/")


@pytest.fixture
def fresh_catalogue():
    # The listing keeps its rows and the catalogue feed its bodies per process.
    clear_cache()
    calendar_cache.clear()
    yield
    clear_cache()
    calendar_cache.clear()


def test_catalogue_feed_links_every_course_to_its_own_page(client, catalogue_page, fresh_catalogue):
    slugs = ["apprentissage-frugal", "données-complexes", "vision_2027", "ia-et-santé"]
    pages = [CoursePageFactory(parent=catalogue_page, slug=slug) for slug in slugs]
    for page in pages:
        SessionFactory(course=page, start=dt.date.today() + dt.timedelta(days=30), days=1)

    calendar = fetch(client, reverse("calendar:catalogue"))

    links = {str(event["SUMMARY"]).rsplit(" — ", 1)[0]: str(event["URL"]) for event in calendar.walk("VEVENT")}
    assert links == {page.title: f"http://testserver{page.url}" for page in pages}
    assert links[pages[1].title] == "http://testserver/formations/donn%C3%A9es-complexes/"


def test_writer_matches_icalendar_typed_events(course):
    """The fast writer says exactly what icalendar's Event.new says, escaping and folding included."""
    events = SessionEvents(
        code="IAF-DL-2027-03",
        sequence=4,
        cancelled=True,
        summary="Données complexes; éthique, équité et sobriété \\ une très longue formation — IAF-DL-2027-03",
        location="Hôtel de Région, 1 esplanade François Mitterrand, 69002 Lyon",
        course_url="https://formation.allys.fr/formations/donnees-complexes-ethique-equite-sobriete-tres-longue/",
        last_modified=dt.datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
        slots=(
            SlotTimes(11, dt.date(2027, 3, 26), dt.time(9), dt.time(17, 30)),
            SlotTimes(12, dt.date(2027, 3, 29), dt.time(9), dt.time(12)),
        ),
    )
    stamp = dt.datetime(2026, 11, 26, 7, 0, tzinfo=UTC)

    written = Calendar.from_ical(write_calendar([events], name="x", uid="x", language="fr", stamp=stamp))
    with translation.override("fr"):
        typed = Calendar.new(subcomponents=slot_components(events, stamp=stamp))
    typed = Calendar.from_ical(typed.to_ical())

    def properties(calendar):
        return [
            {name: (event[name].to_ical(), dict(event[name].params)) for name in event}
            for event in calendar.walk("VEVENT")
        ]

    assert properties(written) == properties(typed)
    assert all(len(line) <= 75 for line in write_calendar([events], name="x", uid="x", language="fr").split(b"\r\n"))
