"""Fixtures for the LMS export: a published course with a session, learners, the dummy LMS reset."""

import datetime as dt

import pytest

from catalogue.factories import CoursePageFactory
from courses.factories import SessionFactory
from enrolments.factories import EnrolmentFactory, UserFactory
from enrolments.models import EnrolmentStatus
from lms.backends import dummy


@pytest.fixture(autouse=True)
def empty_dummy_lms(settings):
    """The export on, to the dummy LMS, empty (the test settings turn it off elsewhere)."""
    settings.LMS_BACKEND = "dummy"
    dummy.reset()
    yield
    dummy.reset()


@pytest.fixture
def course(catalogue_page):
    return CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal", slug="apprentissage-frugal")


@pytest.fixture
def session(course):
    """A 2-day session in 60 days."""
    return SessionFactory(course=course, code="IAF-TST-2027-01", start=dt.date.today() + dt.timedelta(days=60))


@pytest.fixture
def learner(db):
    return UserFactory(email="Camille.Martin@example.org", first_name="Camille", last_name="Martin")


@pytest.fixture
def confirm():
    """Make a confirmed enrolment (as the enrolment services leave it)."""

    def make(learner, session, **kwargs):
        kwargs.setdefault("status", EnrolmentStatus.CONFIRMED)
        return EnrolmentFactory(learner=learner, session=session, **kwargs)

    return make
