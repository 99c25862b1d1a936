"""Invoices, credit notes and training contracts as PDFs, read back as text."""

import datetime as dt
import io
import socket
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from pypdf import PdfReader

from catalogue.factories import TrainerFactory
from enrolments.documents.pdf import contract_pdf, invoice_pdf, render_pdf
from enrolments.factories import EnrolmentFactory, InstalmentFactory, OrderFactory
from enrolments.models import Refund
from enrolments.models.orders import OrderStatus, RefundStatus
from enrolments.services.invoicing import issue_credit_note, issue_invoice

PARIS = ZoneInfo("Europe/Paris")
IN_2027 = dt.datetime(2027, 3, 1, 10, 0, tzinfo=PARIS)
EXEMPTION = "TVA non applicable, article 261-4-4° a du CGI"


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with runs of whitespace (including non-breaking spaces) as one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def long_date(value, language="fr") -> str:
    with translation.override(language):
        return date_format(value, "DATE_FORMAT")


@pytest.fixture
def order(session, learner):
    order = OrderFactory(session=session, buyer=learner, status=OrderStatus.ACTIVE)
    InstalmentFactory(order=order, number=1, due_on=dt.date(2027, 3, 15), amount=Decimal("270.00"))
    InstalmentFactory(order=order, number=2, due_on=dt.date(2027, 4, 15), amount=Decimal("630.00"))
    return order


@pytest.fixture
def enrolment(session, learner, order, legal_texts):
    return EnrolmentFactory(
        session=session,
        learner=learner,
        order=order,
        terms=legal_texts["terms"],
        internal_rules=legal_texts["rules"],
        withdrawal_ends_at=dt.datetime(2027, 3, 11, 23, 59, tzinfo=PARIS),
    )


def session_dates(session, language="fr"):
    return (
        long_date(timezone.localtime(session.starts_at).date(), language),
        long_date(timezone.localtime(session.ends_at).date(), language),
    )


def test_the_invoice_pdf_shows_the_legal_items(order, session):
    text = pdf_text(invoice_pdf(issue_invoice(order=order, issued_at=IN_2027)))

    assert "2027-000001" in text
    assert "SIRET 19694123100019" in text
    assert "84 69 00000 69" in text
    assert "FR61196941231" in text
    assert "15 parvis René Descartes, 69007 Lyon" in text
    assert "Camille Martin" in text
    assert "12 rue de la République" in text
    assert "Apprentissage frugal — IAF-TST-2027-01" in text
    assert "900,00 €" in text
    assert EXEMPTION in text
    assert "1 mars 2027" in text
    for day in session_dates(session):
        assert day in text
    assert "15 avril 2027" in text


def test_an_invoice_with_vat_shows_the_rate_and_no_exemption(session, learner, settings):
    settings.SELLER_VAT_EXEMPT = False
    order = OrderFactory(
        session=session,
        buyer=learner,
        vat_exempt=False,
        vat_rate=Decimal("20.00"),
        amount_excl_tax=Decimal("750.00"),
        amount_incl_tax=Decimal("900.00"),
    )

    text = pdf_text(invoice_pdf(issue_invoice(order=order, issued_at=IN_2027)))

    assert "750,00 €" in text
    assert "150,00 €" in text
    assert "20 %" in text
    assert EXEMPTION not in text


def test_the_credit_note_pdf_names_the_credited_invoice(order):
    issue_invoice(order=order, issued_at=IN_2027)
    refund = Refund.objects.create(
        order=order, instalment=order.instalments.first(), amount=Decimal("270.00"), status=RefundStatus.SUCCEEDED
    )

    text = pdf_text(invoice_pdf(issue_credit_note(refund=refund, issued_at=IN_2027)))

    assert "2027-000002" in text
    assert "2027-000001" in text
    assert "-270,00 €" in text


def test_an_english_invoice_writes_dates_and_amounts_in_english(order):
    text = pdf_text(invoice_pdf(issue_invoice(order=order, issued_at=IN_2027, language="en")))

    assert "Invoice 2027-000001" in text
    assert "March 1, 2027" in text
    assert "900.00 €" in text
    assert EXEMPTION in text


def test_the_contract_pdf_shows_the_legal_items(enrolment, session, course):
    course.trainers.add(
        TrainerFactory(name="Dominique Durand", qualifications="Doctorat en apprentissage statistique.")
    )
    course.save()
    text = pdf_text(contract_pdf(enrolment))

    assert "Contrat de formation professionnelle" in text
    assert "L6353-3 à L6353-7" in text
    assert "SIRET 19694123100019" in text
    assert "84 69 00000 69" in text
    assert "Camille Martin" in text
    assert "Apprentissage frugal" in text
    assert "Savoir entraîner un modèle sobre." in text
    assert "Python et statistiques de base." in text
    assert "QCM et projet final." in text
    assert "Dominique Durand" in text
    assert "Doctorat en apprentissage statistique." in text
    for day in session_dates(session):
        assert day in text
    assert "900,00 €" in text
    assert "270,00 €" in text
    assert "15 mars 2027" in text
    assert "11 mars 2027 23:59" in text
    assert "30 %" in text
    assert "100 %" in text
    assert "50 %" in text
    assert "2026-11" in text
    assert EXEMPTION in text


def test_the_contract_mentions_an_early_start_consent(enrolment):
    enrolment.early_start_consent_at = dt.datetime(2027, 3, 2, 9, 30, tzinfo=PARIS)
    enrolment.save()

    text = pdf_text(contract_pdf(enrolment))

    assert "2 mars 2027 09:30" in text


def test_the_contract_follows_the_language_of_the_invoice(enrolment, order, session):
    issue_invoice(order=order, issued_at=IN_2027, language="en")

    text = pdf_text(contract_pdf(enrolment))

    assert "Professional training contract" in text
    for day in session_dates(session, "en"):
        assert day in text


def test_the_contract_can_be_asked_for_in_another_language(enrolment, order, session):
    issue_invoice(order=order, issued_at=IN_2027, language="fr")

    text = pdf_text(contract_pdf(enrolment, language="en"))

    assert "Professional training contract" in text
    assert "March 11, 2027" in text
    for day in session_dates(session, "en"):
        assert day in text


@pytest.fixture
def idle_server():
    """A local TCP server that never answers, to see whether rendering connects to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    yield server
    server.close()


def test_rendering_fetches_nothing_from_the_network(idle_server, tmp_path, settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    port = idle_server.getsockname()[1]
    (tmp_path / "remote.html").write_text(
        f'<p>Remote</p><img src="http://127.0.0.1:{port}/logo.png">'
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">'
    )

    pdf = render_pdf(template_name="remote.html", context={})

    assert "Remote" in pdf_text(pdf)
    with pytest.raises(BlockingIOError):
        idle_server.accept()


def test_rendering_does_not_attach_server_files(tmp_path, settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    secret = tmp_path / "secret.txt"
    secret.write_text("database password")
    (tmp_path / "attach.html").write_text(f'<link rel="attachment" href="{secret.as_uri()}"><p>Attach</p>')

    reader = PdfReader(io.BytesIO(render_pdf(template_name="attach.html", context={})))

    assert reader.attachments == {}
