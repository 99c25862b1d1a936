"""A visitor goes from the home page to a course's calendar file, filtering the listing on the way."""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from icalendar import Calendar
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PARIS = ZoneInfo("Europe/Paris")


def french(msgid: str) -> str:
    """What the French site shows for an interface string."""
    with translation.override("fr"):
        return gettext(msgid)


def french_month(month: str) -> str:
    """``2027-03`` as the listing labels it in French ("mars 2027")."""
    year, number = month.split("-")
    with translation.override("fr"):
        return date_format(dt.date(int(year), int(number), 1), "YEAR_MONTH_FORMAT")


def checkbox_starting_with(page, text: str):
    """A checkbox whose label starts with ``text`` (labels end with a course count)."""
    return page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(text)}\b"))


def test_filter_the_listing_open_a_course_and_download_its_session(page, catalogue):
    page.goto("/")
    page.get_by_role("link", name=french("Browse the courses")).first.click()

    expect(page).to_have_url(re.compile(r"/formations/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Formations")
    titles = page.locator(".course-card__title")
    expect(titles).to_have_count(6)

    checkbox_starting_with(page, catalogue.frugal_name).check()
    checkbox_starting_with(page, french_month(catalogue.target_month)).check()
    page.get_by_role("button", name=french("Apply filters")).click()

    expect(page).to_have_url(re.compile(rf"[?&]theme={catalogue.frugal_slug}(&|$)"))
    expect(page).to_have_url(re.compile(rf"[?&]month={catalogue.target_month}(&|$)"))
    expect(titles).to_have_text([catalogue.target.title])
    expect(checkbox_starting_with(page, catalogue.frugal_name)).to_be_checked()

    page.get_by_role("link", name=catalogue.target.title).click()

    expect(page).to_have_url(re.compile(r"/formations/apprentissage-profond-frugal/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(catalogue.target.title)
    session_block = page.locator(f"#session-{catalogue.target_session.code}")
    expect(session_block).to_contain_text(catalogue.target_session.code)

    with page.expect_download() as download_info:
        session_block.get_by_role("link", name=french("Add to my calendar (.ics)")).click()
    download = download_info.value
    assert download.suggested_filename == f"{catalogue.target_session.code}.ics"

    calendar = Calendar.from_ical(Path(download.path()).read_bytes())
    events = sorted(calendar.walk("VEVENT"), key=lambda event: event.decoded("DTSTART"))
    first_day = catalogue.target_session.starts_at.astimezone(PARIS).date()
    assert len(events) == 2
    assert [event.decoded("DTSTART") for event in events] == [
        dt.datetime.combine(first_day, dt.time(9, 0), tzinfo=PARIS),
        dt.datetime.combine(first_day + dt.timedelta(days=1), dt.time(9, 0), tzinfo=PARIS),
    ]
    assert all(catalogue.target.title in str(event["SUMMARY"]) for event in events)
