"""A manager buys three places for their team, pays by card, assigns two; an employee claims one.

Chromium drives the real pages in English (under /en/, where the msgids are
shown as they are written); the dummy payment backend stands in for Stripe.
axe-core checks every page the manager sees, and the claim page.
Set ALLYS_E2E_SCREENSHOTS to a folder (e.g. var/screenshots) to also save
full-page screenshots of the overview, seats and order pages in both languages.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from catalogue.factories import CoursePageFactory
from courses.factories import SessionFactory
from enrolments.factories import LegalTextFactory, UserFactory, valid_siret
from enrolments.models import LegalTextKind, Order, OrderStatus, Seat, SeatStatus
from tests.e2e.conftest import TIMEOUT_MS, translate
from tests.e2e.test_accessibility import blocking_violations, describe

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-solide-42"
ORGANISATION = "Biolyon Diagnostics"
FIRST_EMPLOYEE = "lea.dubois@biolyon.example"
SECOND_EMPLOYEE = "samir.haddad@biolyon.example"
CLAIM_LINK = re.compile(r"https?://\S+?/entreprises/places/(?P<token>[^/\s]+)/")
SCREENSHOTS = os.environ.get("ALLYS_E2E_SCREENSHOTS", "")


@pytest.fixture
def session(catalogue_page, locales, settings):
    """An open session (12 places, employer tier) of a course published in French and English."""
    settings.PAYMENT_BACKEND = "dummy"
    for kind in (LegalTextKind.TERMS_OF_SALE, LegalTextKind.INTERNAL_RULES):
        LegalTextFactory(kind=kind, version="e2e", effective_from=timezone.now() - dt.timedelta(hours=1))
    course = CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal", slug="apprentissage-frugal")
    translate(catalogue_page.get_parent().specific, locales["en"], title="ALLyS Training", hero_title="Learn AI")
    translate(catalogue_page, locales["en"], title="Courses", intro="<p>All our courses.</p>")
    translate(course, locales["en"], title="Frugal learning", summary="Lean models, hands on.")
    return SessionFactory(course=course, code="IAF-E2E-SEATS", start=dt.date.today() + dt.timedelta(days=60))


@pytest.fixture
def manager():
    return UserFactory(first_name="Claire", last_name="Fontaine", email="claire.fontaine@biolyon.example")


@pytest.fixture
def employee():
    return UserFactory(first_name="Léa", last_name="Dubois", email=FIRST_EMPLOYEE)


@pytest.fixture
def second_tab(browser: Browser, live_server):
    """Another browser, with its own cookies: the employee's."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def assert_accessible(page: Page, axe_script: Path, where: str) -> None:
    violations = blocking_violations(page, axe_script)
    assert violations == [], f"axe-core on {where} ({page.url}):\n{describe(violations)}"


def log_in(page: Page, email: str, path: str = "/en/accounts/login/") -> None:
    page.goto(path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("motdepasse-solide")
    page.locator("main form").get_by_role("button", name="Sign In").click()


def screenshot(page: Page, name: str) -> None:
    """Full-page screenshots of the current page in English and French, when asked for."""
    if not SCREENSHOTS:
        return
    folder = Path(SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    english = page.url
    page.screenshot(path=folder / f"company-{name}-en.png", full_page=True)
    page.goto(english.replace("/en/", "/", 1))
    page.screenshot(path=folder / f"company-{name}-fr.png", full_page=True)
    page.goto(english)


def claim_token(email: str) -> str:
    """The claim link's token, from the invitation emailed to ``email``."""
    invitations = [m for m in mail.outbox if email in m.to and CLAIM_LINK.search(m.body)]
    assert len(invitations) == 1, [(m.to, m.subject) for m in mail.outbox]
    return CLAIM_LINK.search(invitations[0].body).group("token")


def test_manager_buys_pays_and_assigns_seats_an_employee_claims_one(
    page: Page, second_tab: Page, session, manager, employee, axe_script
):
    # 1. The manager logs in, then books places for their team from the course page.
    log_in(page, manager.email)
    expect(page).to_have_url(re.compile(r"/mon-espace/$"))
    page.goto("/en/formations/apprentissage-frugal/")
    page.get_by_role("link", name="Book places for my team").click()
    expect(page.get_by_role("heading", name="Book places for my team", level=1)).to_be_visible()
    assert_accessible(page, axe_script, "the buy page, without an organisation")

    # They manage no organisation yet: register one, then come back here.
    page.get_by_role("link", name="Register my organisation").click()
    expect(page.get_by_role("heading", name="Register an organisation")).to_be_visible()
    assert_accessible(page, axe_script, "the organisation form")
    page.get_by_label("Name of the organisation").fill(ORGANISATION)
    page.get_by_label("SIRET").fill("123 456 789 00000")  # a typo: refused, and nothing typed is lost
    page.get_by_label("Billing address").fill("7 rue Pasteur")
    page.get_by_label("Postal code").fill("69007")
    page.get_by_label("City").fill("Lyon")
    page.get_by_label("Billing contact (person or department)").fill("Service comptabilité")
    page.get_by_label("Billing contact email").fill("compta@biolyon.example")
    page.get_by_role("button", name="Register the organisation").click()
    expect(page.get_by_label("SIRET")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Billing contact email")).to_have_value("compta@biolyon.example")
    assert_accessible(page, axe_script, "the organisation form, with an error")
    page.get_by_label("SIRET").fill(valid_siret(61))
    page.get_by_role("button", name="Register the organisation").click()
    expect(page).to_have_url(re.compile(rf"/en/entreprises/reserver/{session.code}/$"))
    expect(page.get_by_text(f"{ORGANISATION} is registered and you are its manager.")).to_be_visible()
    assert_accessible(page, axe_script, "the buy page")

    # Three places: the quote, accepted at once.
    page.get_by_label("Number of places").fill("3")
    page.get_by_role("button", name="Get my quote").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Quote DEV-"), level=1)).to_be_visible()
    expect(page.get_by_role("table", name="What the quote covers").get_by_role("cell").first).to_have_text("3")
    assert_accessible(page, axe_script, "the quote")
    page.get_by_role("button", name="Accept the quote and reserve the places").click()

    # The order: pay by card on the dummy checkout page.
    expect(page.get_by_role("heading", name=re.compile(r"^Order "), level=1)).to_be_visible()
    expect(page.get_by_text("The places are reserved. Choose how to pay to confirm them.")).to_be_visible()
    assert_accessible(page, axe_script, "the pending order")
    order_url = page.url
    page.get_by_label("By card now").check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/payments/dummy/checkout/"))
    assert_accessible(page, axe_script, "the dummy checkout")
    page.get_by_role("button", name="Pay with a card that works").click()
    expect(page.get_by_role("heading", name="Thank you: the order is paid")).to_be_visible()
    assert_accessible(page, axe_script, "the payment return page")
    page.get_by_role("link", name="See the order and its invoice").click()
    expect(page).to_have_url(order_url)
    expect(page.locator("main .badge").first).to_have_text("Paid")
    expect(page.get_by_role("table", name="Invoices")).to_be_visible()
    assert_accessible(page, axe_script, "the paid order")
    order = Order.objects.get(organisation__name=ORGANISATION)
    assert (order.status, order.quantity) == (OrderStatus.PAID, 3)
    screenshot(page, "order")

    # 2. Two of the three seats are assigned: one by the single form, one from a pasted list.
    page.get_by_role("link", name="Assign the places").click()
    summary = page.get_by_role("status").filter(has_text="3 seats:")
    expect(summary).to_contain_text("3 seats: 0 claimed, 0 assigned, 3 free")
    assert_accessible(page, axe_script, "the seats page")
    page.get_by_role("region", name="Assign a seat").get_by_label("Employee's email").fill(FIRST_EMPLOYEE)
    page.get_by_role("button", name="Send the invitation", exact=True).click()
    expect(page.get_by_text(f"{FIRST_EMPLOYEE} is invited")).to_be_visible()
    page.get_by_label("Paste a list of emails").fill(SECOND_EMPLOYEE)
    page.get_by_role("button", name="Send the invitations", exact=True).click()
    expect(page.get_by_text("1 person invited: each received an email with their link.")).to_be_visible()
    expect(summary).to_contain_text("3 seats: 0 claimed, 2 assigned, 1 free")
    for email in (FIRST_EMPLOYEE, SECOND_EMPLOYEE):
        row = page.get_by_role("row").filter(has_text=email)
        expect(row).to_contain_text("not yet claimed")
    assert_accessible(page, axe_script, "the seats page with assigned seats")
    seats_url = page.url

    # 3. The employee opens the link of their invitation, logs in and claims the place.
    token = claim_token(FIRST_EMPLOYEE)
    assert Seat.objects.get(email=FIRST_EMPLOYEE).token == token
    claim_path = f"/en/entreprises/places/{token}/"
    second_tab.goto(claim_path)
    expect(second_tab.get_by_text(f"{ORGANISATION} booked you a place in Frugal learning.")).to_be_visible()
    assert_accessible(second_tab, axe_script, "the claim page, signed out")
    second_tab.get_by_role("main").get_by_role("link", name="Log in").click()
    second_tab.get_by_label("Email").fill(FIRST_EMPLOYEE)
    second_tab.get_by_label("Password").fill("motdepasse-solide")
    second_tab.locator("main form").get_by_role("button", name="Sign In").click()
    expect(second_tab).to_have_url(re.compile(re.escape(claim_path) + "$"))
    assert_accessible(second_tab, axe_script, "the claim page, signed in")
    second_tab.get_by_role("button", name="Claim my place").click()
    expect(second_tab).to_have_url(re.compile(r"/en/mon-espace/$"))
    expect(second_tab.get_by_text("Your place is confirmed. Welcome aboard!")).to_be_visible()
    expect(second_tab.get_by_text(f"Booked by {ORGANISATION}.")).to_be_visible()
    assert Seat.objects.get(email=FIRST_EMPLOYEE).status == SeatStatus.CLAIMED

    # 4. The manager sees who took the seat, and the counts on the overview.
    page.goto(seats_url)
    expect(summary).to_contain_text("3 seats: 1 claimed, 1 assigned, 1 free")
    claimed_row = page.get_by_role("row").filter(has_text=FIRST_EMPLOYEE)
    expect(claimed_row).to_contain_text("Claimed")
    expect(claimed_row).to_contain_text("Léa Dubois")
    expect(page.get_by_role("row").filter(has_text=SECOND_EMPLOYEE)).to_contain_text("not yet claimed")
    assert_accessible(page, axe_script, "the seats page with a claimed seat")
    screenshot(page, "seats")

    menu = page.get_by_role("navigation", name=f"Space of {ORGANISATION}")
    menu.get_by_role("link", name="Orders and seats").click()
    counts = page.get_by_role("table", name="Seats bought, assigned, claimed and free in each session")
    cells = counts.get_by_role("row").filter(has_text=session.code).get_by_role("cell")
    expect(cells.nth(1)).to_have_text("1")  # assigned, not yet claimed
    expect(cells.nth(2)).to_have_text("1")  # claimed
    expect(cells.nth(3)).to_have_text("1")  # free
    employees = page.get_by_role("table", name=re.compile(r"^Employees enrolled in"))
    expect(employees).to_contain_text("Léa Dubois")
    assert_accessible(page, axe_script, "the overview")
    screenshot(page, "overview")

    # The other pages of the organisation's space.
    menu.get_by_role("link", name="Documents").click()
    expect(page.get_by_role("heading", name="Documents", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(order.agreement.reference)
    assert_accessible(page, axe_script, "the documents")
    menu.get_by_role("link", name="Managers").click()
    expect(page.get_by_role("heading", name=f"Managers of {ORGANISATION}", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(manager.email)
    assert_accessible(page, axe_script, "the managers")
    menu.get_by_role("link", name="Billing details").click()
    expect(page.get_by_label("Name of the organisation")).to_have_value(ORGANISATION)
    assert_accessible(page, axe_script, "the billing details")
    page.get_by_label("City").fill("Lyon 7e")
    page.get_by_role("button", name=re.compile(r"^Save")).click()
    expect(page.get_by_text("The billing details are saved.")).to_be_visible()
    assert_accessible(page, axe_script, "the billing details, saved")
