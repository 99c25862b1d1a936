"""A learner signs up, enrols, pays with the dummy checkout, finds their documents and withdraws.

Chromium drives the real pages; the dummy payment backend stands in for Stripe.
"""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalogue.factories import CoursePageFactory
from courses.factories import SessionFactory
from enrolments.factories import LegalTextFactory
from enrolments.models import Enrolment, EnrolmentStatus, InvoiceKind, LegalTextKind
from enrolments.services.charging import charge_due_instalments
from tests.e2e.test_accessibility import blocking_violations, describe

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-solide-42"


@pytest.fixture
def session(catalogue_page, settings):
    settings.PAYMENT_BACKEND = "dummy"
    # Newer than the versions the migration created (if a flush has not removed them).
    for kind in (LegalTextKind.TERMS_OF_SALE, LegalTextKind.INTERNAL_RULES):
        LegalTextFactory(kind=kind, version="e2e", effective_from=timezone.now() - dt.timedelta(hours=1))
    course = CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal", slug="apprentissage-frugal")
    return SessionFactory(course=course, code="IAF-E2E-01", start=dt.date.today() + dt.timedelta(days=60))


def assert_accessible(page: Page, axe_script) -> None:
    violations = blocking_violations(page, axe_script)
    assert violations == [], describe(violations)


def confirmation_link() -> str:
    body = mail.outbox[-1].body
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", body).group(0)


def fetch(page: Page, link) -> tuple[str, bytes]:
    """What following ``link`` returns in this browser session (PDFs may open inline, not as a download)."""
    response = page.request.get(link.get_attribute("href"))
    assert response.ok, response.status
    return response.headers["content-type"], response.body()


def test_sign_up_enrol_pay_find_documents_and_withdraw(page: Page, session, axe_script):
    # 1. Sign up and verify the email address.
    page.goto("/accounts/signup/")
    page.fill("input[name=first_name]", "Camille")
    page.fill("input[name=last_name]", "Martin")
    page.fill("input[name=email]", "camille.martin@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password2]")).locator("button[type=submit]").click()
    page.goto(confirmation_link())
    page.locator("main form button[type=submit]").click()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "camille.martin@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/mon-espace/$"))

    # 2. From the course page, enrol; the contract needs a postal address first.
    page.goto(session.course.url)
    page.locator(f"a[href='/inscription/{session.code}/']").click()
    expect(page).to_have_url(re.compile(r"/accounts/profile/"))
    page.fill("input[name=street_address]", "12 rue de la République")
    page.fill("input[name=postal_code]", "69002")
    page.fill("input[name=city]", "Lyon")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/inscription/{session.code}/$"))
    assert_accessible(page, axe_script)
    page.check("input[name=funding][value=self]")
    page.locator("main form button[type=submit]").click()

    # 3. The L6353-8 information and the texts to accept, then the card.
    expect(page).to_have_url(re.compile(rf"/inscription/{session.code}/conditions/"))
    expect(page.get_by_text("Texte terms_of_sale version e2e.")).to_be_visible()
    assert_accessible(page, axe_script)
    page.check("input[name=accept_terms]")
    page.check("input[name=accept_internal_rules]")
    page.locator("main form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/payments/dummy/checkout/"))
    assert_accessible(page, axe_script)
    page.locator("button[value=succeed]").click()
    expect(page).to_have_url(re.compile(r"/inscription/confirmation/"))
    enrolment = Enrolment.objects.get(session=session)
    assert enrolment.status == EnrolmentStatus.CONFIRMED

    # 4. The dashboard: the enrolment, the contract and the calendar file.
    page.goto("/mon-espace/")
    card = page.locator(f"#enrolment-{enrolment.public_id}-title").locator(
        "xpath=ancestor::*[self::article or self::li][1]"
    )
    expect(card).to_contain_text(session.code)
    assert_accessible(page, axe_script)
    content_type, body = fetch(page, page.locator(f"a[href$='/contrats/{enrolment.public_id}.pdf']"))
    assert content_type == "application/pdf" and body.startswith(b"%PDF")
    content_type, body = fetch(page, page.locator("a.session__ics").first)
    assert content_type.startswith("text/calendar") and b"BEGIN:VEVENT" in body

    # 5. Eleven days later the deposit is charged and invoiced.
    assert charge_due_instalments(now=timezone.now() + dt.timedelta(days=11)) == 1
    page.reload()
    invoice = enrolment.order.invoices.get(kind=InvoiceKind.INVOICE)
    content_type, body = fetch(page, page.locator(f"a[href$='/factures/{invoice.pk}.pdf']"))
    assert content_type == "application/pdf" and body.startswith(b"%PDF")

    # 6. Withdraw (still within the ten days on the real clock): the place is free again.
    page.locator(f"a[href$='/inscriptions/{enrolment.public_id}/retractation/']").click()
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/mon-espace/"))
    enrolment.refresh_from_db()
    session.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert session.places_taken == 0
