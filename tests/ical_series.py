"""What a calendar application shows of an invitation's recurring event: helpers for the tests."""

import datetime as dt

from dateutil.rrule import rrulestr
from icalendar import Calendar

from courses.models import PARIS


def the_uid(calendar: Calendar) -> str:
    """The invitation's one UID: an iTIP message carries a single calendar object."""
    [uid] = {str(component["UID"]) for component in calendar.walk("VEVENT")}
    return uid


def master_of(calendar: Calendar):
    [master] = [event for event in calendar.walk("VEVENT") if "RECURRENCE-ID" not in event]
    return master


def instances(calendar: Calendar) -> set[tuple[dt.datetime, dt.datetime]]:
    """The (start, end) of every occurrence a client shows: the series expanded as RFC 5545 §3.8.5 says."""
    events = calendar.walk("VEVENT")
    master = master_of(calendar)
    overrides = {event["RECURRENCE-ID"].dt: event for event in events if "RECURRENCE-ID" in event}
    starts = {master.start}
    for rule in master.rrules:
        starts.update(rrulestr(rule.to_ical().decode(), dtstart=master.start))
    starts.update(start for start, _end in master.rdates)
    starts.difference_update(master.exdates)
    assert overrides.keys() <= starts, "an override must replace an instance of the series"
    duration = master.end - master.start
    return {
        (overrides[start].start, overrides[start].end) if start in overrides else (start, start + duration)
        for start in starts
    }


def slots_of(session) -> set[tuple[dt.datetime, dt.datetime]]:
    return {
        (dt.datetime.combine(s.date, s.start_time, tzinfo=PARIS), dt.datetime.combine(s.date, s.end_time, tzinfo=PARIS))
        for s in session.slots.all()
    }
