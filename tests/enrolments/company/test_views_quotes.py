"""Booking places for a team from a session page, the quote page, accepting it, and the two PDFs."""

import datetime as dt
from urllib.parse import quote as urlquote

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import ngettext

from catalogue.factories import CoursePageFactory
from courses.factories import SessionFactory, make_price_tiers
from courses.models import PriceTierKind, Session
from enrolments.factories import OrganisationFactory, UserFactory
from enrolments.models import Order, Quote, QuoteStatus
from enrolments.services.quotes import quote_accept, quote_create
from tests.catalogue.course_fixtures import in_french, in_french_plural, visible_text

CODE = "IAF-TST-2027-01"
BUY = f"/entreprises/reserver/{CODE}/"


@pytest.fixture(autouse=True)
def _company_settings(settings):
    settings.PAYMENT_BACKEND = "dummy"
    settings.ENROLMENT_STAFF_EMAILS = ["formation@allys.example"]


@pytest.fixture
def manager(db):
    return UserFactory(email="rh@acme.example", first_name="Alice", last_name="Durand")


@pytest.fixture
def acme(manager):
    return OrganisationFactory(name="Acme Lyon", manager=manager)


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def quote(acme, session, manager):
    return quote_create(organisation=acme, session=session, requested_by=manager, quantity=3)


@pytest.fixture
def other_manager(client, db):
    """A manager of another organisation, signed in."""
    person = UserFactory()
    OrganisationFactory(name="Globex", manager=person)
    client.force_login(person)
    return client


def quote_url(quote, suffix="/") -> str:
    return f"/entreprises/{quote.organisation.public_id}/devis/{quote.reference}{suffix}"


def agreement_url(agreement) -> str:
    return f"/entreprises/{agreement.organisation.public_id}/conventions/{agreement.reference}.pdf"


# --- the buy page -------------------------------------------------------------------------


def test_an_anonymous_visitor_is_asked_to_sign_in(client, session):
    response = client.get(BUY)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert response["Location"] == f"/accounts/login/?next={BUY}"


def test_an_unknown_session_is_not_found(signed_in, acme):
    assert signed_in.get("/entreprises/reserver/NOPE-2027/").status_code == 404


def test_someone_who_manages_no_organisation_is_told_to_create_or_join_one(client, session):
    client.force_login(UserFactory())

    response = client.get(BUY)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/entreprises/creer/?next={urlquote(BUY, safe="")}"' in html
    assert 'href="/entreprises/rejoindre/' in html
    assert 'name="quantity"' not in html


def test_the_page_shows_the_places_left_and_the_employer_price(signed_in, acme, session):
    Session.objects.filter(pk=session.pk).update(places_taken=5)

    response = signed_in.get(BUY)

    assert response.status_code == 200
    text = visible_text(response)
    assert in_french_plural("%(counter)s place left", "%(counter)s places left", 7) in text
    assert "1\xa0350\xa0€" in text
    assert "TVA non applicable, article 261-4-4° a du CGI" in text
    # One organisation: nothing to choose, it is the one that buys.
    assert f'type="hidden" name="organisation" value="{acme.public_id}"' in response.content.decode()


def test_a_manager_of_several_organisations_chooses_which_one_buys(signed_in, acme, manager, session):
    OrganisationFactory(name="Acme Grenoble", manager=manager)
    html = signed_in.get(BUY).content.decode()
    assert "<select" in html and "Acme Grenoble" in html and "Acme Lyon" in html


def test_a_valid_booking_issues_the_quote_and_shows_it(signed_in, acme, session, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(BUY, {"organisation": str(acme.public_id), "quantity": "4"})

    quote = Quote.objects.get()
    assert quote.organisation == acme and quote.quantity == 4
    assert response.status_code == 302
    assert response["Location"] == quote_url(quote)
    assert [message.to for message in mail.outbox] == [["rh@acme.example"]]
    page = signed_in.get(response["Location"])
    assert quote.reference in visible_text(page)


def test_more_places_than_are_left_shows_an_error_and_keeps_the_typed_value(signed_in, acme, session):
    Session.objects.filter(pk=session.pk).update(places_taken=10)

    response = signed_in.post(BUY, {"organisation": str(acme.public_id), "quantity": "5"})

    assert response.status_code == 200
    text = visible_text(response)
    with translation.override("fr"):
        only_two = ngettext(
            "Only %(count)d place is left in this session.", "Only %(count)d places are left in this session.", 2
        ) % {"count": 2}
    assert only_two in text
    assert 'name="quantity" value="5"' in response.content.decode()
    assert not Quote.objects.exists()


def test_an_organisation_the_person_does_not_manage_cannot_buy(signed_in, acme, session):
    globex = OrganisationFactory(name="Globex")
    response = signed_in.post(BUY, {"organisation": str(globex.public_id), "quantity": "1"})
    assert response.status_code == 200
    assert in_french("Please choose one of the organisations you manage.") in visible_text(response)
    assert not Quote.objects.exists()


def test_a_session_without_an_employer_price_cannot_be_booked(signed_in, acme, course):
    tiers = [tier for tier in make_price_tiers() if tier.kind != PriceTierKind.EMPLOYER]
    session = SessionFactory(course=course, code="IAF-NOEMP-01", price_tiers=tiers)
    response = signed_in.get(f"/entreprises/reserver/{session.code}/")
    assert response.status_code == 200
    assert in_french("This session has no price for employer-funded places; please contact us.") in visible_text(
        response
    )
    assert 'name="quantity"' not in response.content.decode()


# --- the quote page and accepting it ------------------------------------------------------


def test_the_quote_page_shows_the_line_the_validity_the_pdf_and_the_accept_button(signed_in, quote):
    response = signed_in.get(quote_url(quote))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{quote_url(quote, ".pdf")}"' in html
    assert f'action="{quote_url(quote, "/accepter/")}"' in html
    text = visible_text(response)
    assert "Apprentissage frugal" in text
    assert "4\xa0050\xa0€" in text


def test_accepting_reserves_the_places_and_leads_to_the_order(signed_in, quote, session):
    response = signed_in.post(quote_url(quote, "/accepter/"))

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/entreprises/{quote.organisation.public_id}/commandes/{order.reference}/"
    assert Session.objects.get(pk=session.pk).places_taken == 3
    page = signed_in.get(quote_url(quote))
    html = page.content.decode()
    assert f'href="{agreement_url(order.agreement)}"' in html
    assert f'href="/entreprises/{quote.organisation.public_id}/commandes/{order.reference}/"' in html
    assert "/accepter/" not in html


def test_a_refusal_is_shown_on_the_quote_page(signed_in, quote, session):
    Session.objects.filter(pk=session.pk).update(places_taken=11)

    response = signed_in.post(quote_url(quote, "/accepter/"), follow=True)

    assert response.redirect_chain == [(quote_url(quote), 302)]
    assert in_french("Please ask for a quote for fewer places.") in visible_text(response)
    assert not Order.objects.exists()


def test_an_expired_quote_says_so_and_offers_no_accept_button(signed_in, quote):
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))

    response = signed_in.get(quote_url(quote))

    assert in_french("This quote has expired: please ask for a new one.") in visible_text(response)
    assert "/accepter/" not in response.content.decode()


def test_accepting_only_takes_a_post(signed_in, quote):
    assert signed_in.get(quote_url(quote, "/accepter/")).status_code == 405
    assert quote.status == QuoteStatus.ISSUED


def test_the_pdfs_are_served_inline(signed_in, quote, manager):
    response = signed_in.get(quote_url(quote, ".pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{quote.reference}.pdf"'
    assert response.content.startswith(b"%PDF")

    agreement = quote_accept(quote=quote, by=manager).agreement
    response = signed_in.get(agreement_url(agreement))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{agreement.reference}.pdf"'


# --- who may see what ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["/", ".pdf"])
def test_a_manager_of_another_organisation_gets_404_on_the_quote(other_manager, quote, suffix):
    assert other_manager.get(quote_url(quote, suffix)).status_code == 404


def test_a_manager_of_another_organisation_cannot_accept_it(other_manager, quote, session):
    assert other_manager.post(quote_url(quote, "/accepter/")).status_code == 404
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ISSUED
    assert Session.objects.get(pk=session.pk).places_taken == 0


def test_a_manager_of_another_organisation_gets_404_on_the_agreement(client, quote, manager):
    agreement = quote_accept(quote=quote, by=manager).agreement
    person = UserFactory()
    OrganisationFactory(manager=person)
    client.force_login(person)
    assert client.get(agreement_url(agreement)).status_code == 404


def test_another_organisations_quote_reference_is_not_found_under_ones_own(client, quote):
    """The organisation in the URL is one the person manages, but the quote belongs to another."""
    person = UserFactory()
    globex = OrganisationFactory(manager=person)
    client.force_login(person)
    assert client.get(f"/entreprises/{globex.public_id}/devis/{quote.reference}/").status_code == 404
    assert client.post(f"/entreprises/{globex.public_id}/devis/{quote.reference}/accepter/").status_code == 404


@pytest.mark.parametrize("suffix", ["/", ".pdf", "/accepter/"])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, quote, suffix):
    response = client.get(quote_url(quote, suffix))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_anonymous_visitor_is_sent_to_sign_in_for_the_agreement(client, quote, manager):
    agreement = quote_accept(quote=quote, by=manager).agreement
    response = client.get(agreement_url(agreement))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the session list on the course page --------------------------------------------------


def test_an_open_session_offers_to_book_places_for_a_team_and_to_use_a_seat_code(client, catalogue_page):
    course = CoursePageFactory(parent=catalogue_page, title="Vision frugale", slug="vision-frugale")
    session = SessionFactory(course=course, code="IAF-VIS-01")

    html = client.get(course.url).content.decode()

    assert 'href="/entreprises/reserver/IAF-VIS-01/"' in html
    assert 'href="/entreprises/code/?session=IAF-VIS-01"' in html
    assert html.count(f'aria-describedby="session-{session.code}-title"') == 3
