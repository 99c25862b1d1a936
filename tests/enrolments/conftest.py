"""Fixtures for the enrolment layer: a published course with a session, legal texts, a learner."""

import datetime as dt

import pytest

from catalogue.factories import CoursePageFactory
from courses.factories import SessionFactory
from enrolments.factories import LegalTextFactory, UserFactory
from enrolments.models import LegalTextKind


@pytest.fixture
def course(catalogue_page):
    return CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal", slug="apprentissage-frugal")


@pytest.fixture
def session(course):
    """A 2-day session in 60 days, 12 places, 900 € TTC individual price (VAT exempt)."""
    return SessionFactory(course=course, code="IAF-TST-2027-01", start=dt.date.today() + dt.timedelta(days=60))


@pytest.fixture
def legal_texts(db):
    return {
        "terms": LegalTextFactory(kind=LegalTextKind.TERMS_OF_SALE),
        "rules": LegalTextFactory(kind=LegalTextKind.INTERNAL_RULES),
    }


@pytest.fixture
def learner(db):
    return UserFactory(email="camille@example.org", first_name="Camille", last_name="Martin")
