"""Sessions saved as clusters keep their dates in step with the timetable."""

import datetime as dt

from catalogue.factories import CoursePageFactory
from courses.factories import SessionFactory


def test_session_dates_follow_its_timetable(catalogue_page):
    course = CoursePageFactory(parent=catalogue_page)
    session = SessionFactory(course=course, start=dt.date(2027, 3, 29), days=3)
    assert session.starts_at.isoformat() == "2027-03-29T09:00:00+02:00"
    assert session.ends_at.date() == dt.date(2027, 3, 31)
    assert [str(s) for s in session.slots.all()][0] == "2027-03-29 09:00–17:00"
