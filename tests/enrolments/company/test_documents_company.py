"""The quote and the training agreement (L6353-1) as PDFs, read back as text."""

import datetime as dt
import io

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from pypdf import PdfReader

from catalogue.factories import TrainerFactory
from enrolments.documents.company import agreement_pdf, quote_pdf
from enrolments.factories import OrganisationFactory, SeatFactory, UserFactory
from enrolments.models import SeatStatus
from enrolments.services.quotes import quote_accept, quote_create
from tests.catalogue.course_fixtures import in_french

EXEMPTION = "TVA non applicable, article 261-4-4° a du CGI"


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with runs of whitespace (including non-breaking spaces) as one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def words(value: str) -> str:
    """``value`` spaced as ``pdf_text`` spaces the PDF (French puts a non-breaking space before ";" and ":")."""
    return " ".join(value.split())


def long_date(value, language="fr") -> str:
    with translation.override(language):
        return date_format(value, "DATE_FORMAT")


@pytest.fixture
def manager(db):
    return UserFactory(email="rh@acme.example", first_name="Alice", last_name="Durand")


@pytest.fixture
def acme(manager):
    return OrganisationFactory(
        name="Acme Lyon", manager=manager, vat_number="FR40303265045", billing_street_address="3 place Bellecour"
    )


@pytest.fixture
def quote(acme, session, manager):
    return quote_create(organisation=acme, session=session, requested_by=manager, quantity=3)


@pytest.fixture
def agreement(quote, manager, course):
    course.trainers.add(TrainerFactory(name="Inès Berthier", qualifications="Doctorat en apprentissage statistique."))
    course.save()
    return quote_accept(quote=quote, by=manager).agreement


def test_the_quote_names_both_parties_the_places_the_price_and_its_validity(quote, acme, settings):
    text = pdf_text(quote_pdf(quote))

    assert quote.reference in text
    assert settings.SELLER["activity_number"] in text
    assert "Acme Lyon" in text and acme.siret in text and "FR40303265045" in text
    assert "Apprentissage frugal" in text and quote.session.code in text
    assert "1 350,00 €" in text  # unit price excluding VAT
    assert "4 050,00 €" in text  # three places
    assert EXEMPTION in text
    assert long_date(timezone.localdate() + dt.timedelta(days=30)) in text  # valid until


def test_the_quote_is_written_in_its_own_language(acme, session, manager):
    quote = quote_create(organisation=acme, session=session, requested_by=manager, quantity=1, language="en")
    text = pdf_text(quote_pdf(quote))
    assert "Valid until" in text
    assert long_date(quote.valid_until, "en") in text


def test_the_agreement_states_what_l6353_1_asks_for(agreement, session, acme, settings):
    text = pdf_text(agreement_pdf(agreement))

    # Parties: the provider with its registration number, and the organisation.
    assert settings.SELLER["name"] in text and settings.SELLER["activity_number"] in text
    assert "Acme Lyon" in text and acme.siret in text and "FR40303265045" in text and "3 place Bellecour" in text
    # Title, objectives, content, means.
    assert "Apprentissage frugal" in text
    assert "Savoir entraîner un modèle sobre." in text
    assert "Cours, travaux pratiques sur notebooks." in text  # teaching methods
    assert "Inès Berthier" in text
    # Duration, dates and place.
    assert words(in_french("%(hours)s hours", hours="14")) in text
    starts_on = timezone.localtime(session.starts_at).date()
    assert long_date(starts_on) in text and long_date(starts_on + dt.timedelta(days=1)) in text
    assert session.venue.city in text and "09:00" in text
    # Follow-up and assessment.
    assert "QCM et projet final." in text
    assert (
        words(in_french("Trainees sign an attendance sheet for each half-day; online activity is followed in the LMS."))
        in text
    )
    # Price and payment.
    assert "4 050,00 €" in text and EXEMPTION in text
    assert long_date(agreement.order.release_on) in text


def test_the_agreement_lists_trainees_to_be_named_until_seats_are_assigned(agreement):
    to_be_named = words(in_french("To be named"))

    before = pdf_text(agreement_pdf(agreement))
    assert before.count(to_be_named) == 3

    order = agreement.order
    SeatFactory(order=order, status=SeatStatus.ASSIGNED, email="bob@acme.example")
    employee = UserFactory(first_name="Chloé", last_name="Bernard", email="chloe@acme.example")
    SeatFactory(order=order, status=SeatStatus.CLAIMED, email=employee.email, holder=employee)
    SeatFactory(order=order, status=SeatStatus.FREE)
    after = pdf_text(agreement_pdf(agreement))

    assert "bob@acme.example" in after
    assert "Chloé Bernard" in after
    assert after.count(to_be_named) == 1


def test_the_agreement_keeps_what_the_course_said_when_it_was_accepted(agreement, course):
    course.objectives = "<p>Des objectifs réécrits plus tard.</p>"
    course.save_revision().publish()

    text = pdf_text(agreement_pdf(agreement))

    assert "Savoir entraîner un modèle sobre." in text
    assert "réécrits" not in text
