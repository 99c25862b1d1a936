"""The enrolment flow from a session's "Enrol" button: who pays, the L6353-8 conditions, the held
place and the card page, the returns from it, quote requests, free places and the waitlist."""

import datetime as dt
import re

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.test import Client
from django.utils import timezone

from catalogue.factories import TrainerFactory
from courses.factories import SessionFactory
from courses.models import Session, SessionStatus
from enrolments.factories import EnrolmentFactory, LegalTextFactory, UserFactory
from enrolments.models import (
    Enrolment,
    EnrolmentStatus,
    FundingRequest,
    LegalText,
    LegalTextKind,
    WaitlistEntry,
    WaitlistStatus,
)
from enrolments.payments import get_backend
from tests.catalogue.course_fixtures import in_french, visible_text

CODE = "IAF-TST-2027-01"
FLOW = f"/inscription/{CODE}/"
CONDITIONS = f"{FLOW}conditions/?funding=self"
ACCEPT = {"accept_terms": "on", "accept_internal_rules": "on"}


@pytest.fixture(autouse=True)
def _flow_setup(settings):
    settings.PAYMENT_BACKEND = "dummy"
    settings.ENROLMENT_STAFF_EMAILS = ["formation@allys.example"]


@pytest.fixture(autouse=True)
def legal_texts(db):
    """Versions newer than the ones installed by the data migration, with recognisable texts."""
    yesterday = timezone.now() - dt.timedelta(days=1)
    return {
        "terms": LegalTextFactory(
            kind=LegalTextKind.TERMS_OF_SALE,
            version="2099-T",
            effective_from=yesterday,
            body_fr="<p>CGV de test : tout est écrit ici.</p>",
            body_en="<p>Test terms of sale: all is written here.</p>",
        ),
        "rules": LegalTextFactory(
            kind=LegalTextKind.INTERNAL_RULES,
            version="2099-R",
            effective_from=yesterday,
            body_fr="<p>Règlement intérieur de test.</p>",
            body_en="<p>Test internal rules.</p>",
        ),
    }


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def trainer(course):
    trainer = TrainerFactory(name="Inès Berthier", qualifications="Doctorat en apprentissage statistique.")
    course.trainers.add(trainer)
    course.save()
    return trainer


def text_of(response) -> str:
    return visible_text(response)


def acceptance_data(response, **extra) -> dict:
    """The hidden fields of the acceptance form as the page gave them, plus ``extra``."""
    form = BeautifulSoup(response.content.decode(), "html.parser").find("form", action=re.compile("conditions"))
    hidden = {field["name"]: field.get("value", "") for field in form.find_all("input", type="hidden")}
    return hidden | extra


def accept(client, url=CONDITIONS, **boxes):
    page = client.get(url)
    return client.post(url, acceptance_data(page, **(boxes or ACCEPT)))


def places_taken(session) -> int:
    return Session.objects.get(pk=session.pk).places_taken


# --- who may use the flow ----------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in_then_back_to_the_flow(client, session):
    response = client.get(FLOW)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={FLOW}"
    login_page = client.get(response["Location"])
    assert in_french("Please sign in, or create an account, to enrol in a course.") in text_of(login_page)


def test_a_learner_without_a_postal_address_completes_their_profile_first(client, session):
    client.force_login(UserFactory(street_address="", postal_code="", city=""))

    response = client.get(FLOW)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/profile/?next={FLOW.replace('/', '%2F')}"
    profile = client.get(response["Location"])
    assert in_french("Your training contract needs your name and postal address: please complete your profile.") in (
        text_of(profile)
    )


def test_an_unknown_session_code_is_not_found(signed_in, session):
    assert signed_in.get("/inscription/NOPE-2027/").status_code == 404
    assert signed_in.get("/inscription/NOPE-2027/conditions/").status_code == 404


def test_a_cancelled_session_says_so_instead_of_offering_enrolment(signed_in, session):
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.CANCELLED)

    response = signed_in.get(FLOW)

    assert response.status_code == 200
    assert in_french("This session has been cancelled.") in text_of(response)
    assert 'name="funding"' not in response.content.decode()


def test_without_legal_texts_in_force_enrolment_waits_with_a_clear_page(signed_in, session):
    LegalText.objects.filter(kind=LegalTextKind.INTERNAL_RULES).update(
        effective_from=timezone.now() + dt.timedelta(days=1)
    )

    response = signed_in.get(CONDITIONS)

    assert response.status_code == 503
    assert in_french("Enrolment is temporarily unavailable") in text_of(response)


# --- the self-funded path -----------------------------------------------------------------------


def test_choosing_to_pay_oneself_leads_to_the_conditions(signed_in, session):
    page = signed_in.get(FLOW)
    assert page.status_code == 200
    assert in_french("Who pays for this training?") in text_of(page)
    assert 'value="free"' not in page.content.decode()

    response = signed_in.post(FLOW, {"funding": "self"})

    assert response.status_code == 302
    assert response["Location"] == CONDITIONS


def test_choosing_nobody_asks_again_in_french(signed_in, session):
    response = signed_in.post(FLOW, {})

    assert response.status_code == 200
    assert in_french("Please choose who pays.") in text_of(response)


def test_the_conditions_show_what_l6353_8_requires_before_anything_binds(signed_in, session, trainer):
    text = text_of(signed_in.get(CONDITIONS))

    assert "Savoir entraîner un modèle sobre." in text  # objectives
    assert "Inès Berthier" in text and "Doctorat en apprentissage statistique." in text
    assert "QCM et projet final." in text  # assessment
    assert "formation@allys.example" in text  # contact
    assert "09:00" in text and "17:00" in text  # timetable, Paris time
    assert "CGV de test : tout est écrit ici." in text
    assert "Règlement intérieur de test." in text
    assert "900\xa0€" in text
    assert in_french("everything you paid is refunded") in text  # cancellation terms
    assert in_french("nothing is refunded") in text
    # 30 % after the withdrawal period, the balance at the start (a 2-day course).
    assert "270\xa0€" in text and "630\xa0€" in text
    assert Enrolment.objects.count() == 0


def test_without_ticking_the_boxes_nothing_is_held_and_the_errors_are_in_french(signed_in, session):
    page = signed_in.get(CONDITIONS)

    response = signed_in.post(CONDITIONS, acceptance_data(page))

    assert response.status_code == 200
    text = text_of(response)
    assert in_french("Please accept the terms of sale to enrol.") in text
    assert in_french("Please accept the internal rules to enrol.") in text
    assert Enrolment.objects.count() == 0
    assert places_taken(session) == 0


def test_ticking_the_boxes_holds_a_place_and_opens_the_card_page(signed_in, session, learner, legal_texts, settings):
    response = accept(signed_in)

    enrolment = Enrolment.objects.get()
    assert enrolment.status == EnrolmentStatus.HELD
    assert enrolment.learner == learner
    assert (enrolment.terms, enrolment.internal_rules) == (legal_texts["terms"], legal_texts["rules"])
    assert enrolment.hold_expires_at > timezone.now() + dt.timedelta(minutes=settings.ENROLMENT_HOLD_MINUTES - 1)
    assert places_taken(session) == 1
    assert response.status_code == 302
    assert response["Location"] == f"http://testserver/payments/dummy/checkout/{enrolment.order.checkout_id}/"
    checkout_page = signed_in.get(response["Location"])
    assert checkout_page.status_code == 200


def test_coming_back_to_the_conditions_shows_the_time_left_on_the_hold(signed_in, session):
    accept(signed_in)

    text = text_of(signed_in.get(CONDITIONS))

    hold = Enrolment.objects.get().hold_expires_at
    assert timezone.localtime(hold).strftime("%H:%M") in text
    assert Enrolment.objects.count() == 1


def test_the_success_return_confirms_the_enrolment_and_shows_what_comes_next(signed_in, session):
    accept(signed_in)
    enrolment = Enrolment.objects.get()
    checkout_id = enrolment.order.checkout_id
    # The learner saves a card on the provider's page; the webhook has not arrived yet.
    get_backend("dummy").complete_checkout(checkout_id, "succeed")

    response = signed_in.get(f"/inscription/retour/{enrolment.public_id}/?checkout_id={checkout_id}", follow=True)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    assert response.redirect_chain[-1][0] == f"/inscription/confirmation/{enrolment.public_id}/"
    text = text_of(response)
    assert in_french("Your enrolment is confirmed") in text
    assert in_french("We have emailed you your training contract and a calendar invitation for the session.") in text
    assert timezone.localtime(enrolment.withdrawal_ends_at).strftime("%H:%M") in text
    assert "270\xa0€" in text and "630\xa0€" in text
    assert 'href="/mon-espace/"' in response.content.decode()
    # Coming back again (or the webhook after) changes nothing.
    signed_in.get(f"/inscription/retour/{enrolment.public_id}/?checkout_id={checkout_id}")
    assert places_taken(session) == 1


def test_saving_a_card_on_the_payment_page_brings_the_learner_back_confirmed(signed_in, session):
    card_page = accept(signed_in)["Location"]

    response = signed_in.post(card_page, {"outcome": "succeed"}, follow=True)

    enrolment = Enrolment.objects.get()
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    assert response.redirect_chain[-1][0] == f"/inscription/confirmation/{enrolment.public_id}/"
    assert in_french("Your enrolment is confirmed") in text_of(response)


def test_the_cancel_return_releases_the_place_and_offers_to_start_again(signed_in, session):
    accept(signed_in)
    enrolment = Enrolment.objects.get()
    assert places_taken(session) == 1

    response = signed_in.get(f"/inscription/annulation/{enrolment.public_id}/")

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.EXPIRED
    assert places_taken(session) == 0
    assert response.status_code == 200
    assert f'href="{FLOW}"' in response.content.decode()
    assert signed_in.get(FLOW).status_code == 200


def test_someone_else_cannot_see_a_learners_enrolment_pages(client, session):
    enrolment = EnrolmentFactory(session=session)
    client.force_login(UserFactory())

    for step in ("confirmation", "retour", "annulation"):
        assert client.get(f"/inscription/{step}/{enrolment.public_id}/").status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CONFIRMED


def test_an_enrolled_learner_is_shown_their_enrolment_instead_of_a_second_one(client, session):
    enrolment = EnrolmentFactory(session=session)
    client.force_login(enrolment.learner)

    response = client.get(FLOW)

    assert in_french("You are already enrolled") in text_of(response)
    assert f"/inscription/confirmation/{enrolment.public_id}/" in response.content.decode()


def test_terms_published_while_the_page_was_open_are_shown_again_not_accepted(signed_in, session):
    page = signed_in.get(CONDITIONS)
    LegalTextFactory(
        kind=LegalTextKind.TERMS_OF_SALE,
        version="2099-U",
        effective_from=timezone.now(),
        body_fr="<p>CGV mises à jour.</p>",
    )

    response = signed_in.post(CONDITIONS, acceptance_data(page, **ACCEPT))

    assert response.status_code == 200
    assert in_french("The terms have just been updated. Please read them again and confirm.") in text_of(response)
    assert "CGV mises à jour." in text_of(response)
    assert Enrolment.objects.count() == 0


def test_state_changes_need_the_csrf_token(session, learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)

    assert client.post(CONDITIONS, ACCEPT | {"funding": "self"}).status_code == 403
    assert Enrolment.objects.count() == 0


# --- starting within the withdrawal period ------------------------------------------------------


@pytest.fixture
def soon_session(course):
    """Starts in 5 days; enrolment stays open until the day before."""
    start = dt.date.today() + dt.timedelta(days=5)
    return SessionFactory(
        course=course, code="IAF-SOON-01", start=start, enrolment_closes_at=timezone.now() + dt.timedelta(days=3)
    )


def test_a_course_starting_within_10_days_needs_consent_to_start_early(signed_in, soon_session):
    url = "/inscription/IAF-SOON-01/conditions/?funding=self"
    page = signed_in.get(url)
    assert 'name="early_start_consent"' in page.content.decode()

    refused = signed_in.post(url, acceptance_data(page, **ACCEPT))

    assert in_french("This course starts before your withdrawal period ends: please agree to start early.") in (
        text_of(refused)
    )
    assert Enrolment.objects.count() == 0

    accepted = signed_in.post(url, acceptance_data(page, **ACCEPT, early_start_consent="on"))

    assert accepted.status_code == 302
    assert Enrolment.objects.get().early_start_consent_at is not None


def test_a_course_starting_later_does_not_ask_for_early_start(signed_in, session):
    assert 'name="early_start_consent"' not in signed_in.get(CONDITIONS).content.decode()


# --- employers and funders ----------------------------------------------------------------------


def test_asking_the_employer_records_the_request_and_emails_employer_and_staff(
    signed_in, session, learner, django_capture_on_commit_callbacks
):
    chosen = signed_in.post(FLOW, {"funding": "employer"})
    assert chosen["Location"] == f"{FLOW}demande-de-devis/?kind=employer"
    form = {
        "kind": "employer",
        "organisation_name": "Acme Lyon",
        "contact_email": "rh@acme.example",
        "message": "BC-42",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(f"{FLOW}demande-de-devis/", form, follow=True)

    request = FundingRequest.objects.get()
    assert (request.kind, request.requester, request.organisation_name, request.message) == (
        "employer",
        learner,
        "Acme Lyon",
        "BC-42",
    )
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "formation@allys.example",
        "rh@acme.example",
    ]
    assert "rh@acme.example" in text_of(response)
    assert Enrolment.objects.count() == 0


def test_an_employer_request_without_an_email_keeps_what_was_typed(signed_in, session):
    response = signed_in.post(
        f"{FLOW}demande-de-devis/", {"kind": "employer", "organisation_name": "Acme Lyon", "message": "BC-42"}
    )

    assert response.status_code == 200
    assert in_french("Please give the email address of the person at your employer who approves training.") in (
        text_of(response)
    )
    html = response.content.decode()
    assert 'value="Acme Lyon"' in html and "BC-42" in html
    assert FundingRequest.objects.count() == 0


def test_asking_a_funder_emails_the_staff_only(signed_in, session, django_capture_on_commit_callbacks):
    form = {"kind": "funder", "organisation_name": "OPCO Atlas", "contact_email": "", "message": ""}

    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(f"{FLOW}demande-de-devis/", form)

    assert FundingRequest.objects.get().kind == "funder"
    assert [message.to for message in mail.outbox] == [["formation@allys.example"]]


# --- free places --------------------------------------------------------------------------------


def test_free_places_are_not_offered_outside_partner_domains(signed_in, session):
    assert 'value="free"' not in signed_in.get(FLOW).content.decode()

    refused = signed_in.post(FLOW, {"funding": "free"})
    assert in_french("Please choose who pays.") in text_of(refused)
    assert signed_in.get(f"{FLOW}conditions/?funding=free")["Location"] == FLOW


def test_partner_staff_take_a_free_place_without_a_card(client, session, settings):
    settings.FREE_PLACE_EMAIL_DOMAINS = ["ens-lyon.fr"]
    client.force_login(UserFactory(email="lea@ens-lyon.fr"))
    assert 'value="free"' in client.get(FLOW).content.decode()
    assert client.post(FLOW, {"funding": "free"})["Location"] == f"{FLOW}conditions/?funding=free"

    response = accept(client, f"{FLOW}conditions/?funding=free")

    enrolment = Enrolment.objects.get()
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    assert enrolment.order.amount_incl_tax == 0
    assert response["Location"] == f"/inscription/confirmation/{enrolment.public_id}/"
    assert in_french("Free place: you pay nothing.") in text_of(client.get(response["Location"]))


# --- full sessions and the waitlist ---------------------------------------------------------------


def fill(session):
    Session.objects.filter(pk=session.pk).update(places_taken=session.capacity)


def test_a_full_session_offers_the_waitlist_and_joining_works(signed_in, session, learner):
    fill(session)

    response = signed_in.get(FLOW, follow=True)

    assert response.redirect_chain[-1][0] == f"{FLOW}liste-attente/"
    assert in_french("Join the waitlist") in text_of(response)
    joined = signed_in.post(f"{FLOW}liste-attente/", {"action": "join"}, follow=True)
    entry = WaitlistEntry.objects.get()
    assert (entry.person, entry.status) == (learner, WaitlistStatus.WAITING)
    assert in_french("You are on the waitlist. We will email you as soon as a place is free.") in text_of(joined)
    signed_in.post(f"{FLOW}liste-attente/", {"action": "leave"})
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.LEFT


def test_a_learner_offered_a_freed_place_enrols_normally(signed_in, session, learner):
    fill(session)
    entry = WaitlistEntry.objects.create(
        session=session,
        person=learner,
        status=WaitlistStatus.OFFERED,
        offer_expires_at=timezone.now() + dt.timedelta(hours=24),
    )
    assert signed_in.get(FLOW).status_code == 200

    response = accept(signed_in)

    assert response.status_code == 302
    assert Enrolment.objects.get().status == EnrolmentStatus.HELD
    assert places_taken(session) == session.capacity  # the kept place became the hold
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.ACCEPTED


def test_a_learner_holding_the_last_place_goes_on_with_it_rather_than_the_waitlist(signed_in, session):
    Session.objects.filter(pk=session.pk).update(capacity=1)
    accept(signed_in)

    response = signed_in.get(f"{FLOW}liste-attente/")

    assert response["Location"] == CONDITIONS
    assert signed_in.get(FLOW).status_code == 200


def test_a_session_filled_while_reading_sends_to_the_waitlist(signed_in, session):
    page = signed_in.get(CONDITIONS)
    fill(session)

    response = signed_in.post(CONDITIONS, acceptance_data(page, **ACCEPT), follow=True)

    assert response.redirect_chain[-1][0] == f"{FLOW}liste-attente/"
    assert Enrolment.objects.count() == 0


# --- the course page and English ----------------------------------------------------------------


def test_the_course_page_links_open_sessions_to_enrol_and_full_ones_to_the_waitlist(client, course, session):
    SessionFactory(course=course, code="IAF-FULL-01", places_taken=12)

    html = client.get(course.url).content.decode()

    assert f'href="{FLOW}"' in html
    assert 'href="/inscription/IAF-FULL-01/liste-attente/"' in html


def test_the_flow_speaks_english_under_en(signed_in, session):
    page = signed_in.get(f"/en{FLOW}")
    assert page.status_code == 200
    assert "Who pays for this training?" in text_of(page)
    assert signed_in.post(f"/en{FLOW}", {"funding": "self"})["Location"] == f"/en{CONDITIONS}"

    conditions = signed_in.get(f"/en{CONDITIONS}")

    assert '<html lang="en">' in conditions.content.decode()
    assert "Test terms of sale: all is written here." in text_of(conditions)
    assert "I have read and accept the internal rules." in text_of(conditions)
