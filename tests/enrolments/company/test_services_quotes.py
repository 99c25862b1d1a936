"""Quotes for company places: issued, accepted (places taken, order and agreement), cancelled, expired."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone, translation

from courses.factories import SessionFactory, make_price_tiers
from courses.models import PriceTierKind, Session
from enrolments.factories import MembershipFactory, OrganisationFactory, UserFactory
from enrolments.models import (
    Agreement,
    Funding,
    MembershipStatus,
    Order,
    OrderStatus,
    Quote,
    QuoteStatus,
)
from enrolments.services.errors import SessionFull
from enrolments.services.quotes import (
    QuoteRefused,
    expire_quotes,
    quote_accept,
    quote_cancel,
    quote_create,
    release_date,
)


@pytest.fixture(autouse=True)
def in_english():
    """The services answer in the active language; these tests read their English messages."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _company_settings(settings):
    settings.PAYMENT_BACKEND = "dummy"
    settings.ENROLMENT_STAFF_EMAILS = ["formation@allys.example"]
    settings.COMPANY_QUOTE_VALID_DAYS = 30
    settings.COMPANY_UNPAID_RELEASE_DAYS = 10


@pytest.fixture
def manager(db):
    return UserFactory(email="rh@acme.example", first_name="Alice", last_name="Durand")


@pytest.fixture
def acme(manager):
    return OrganisationFactory(name="Acme Lyon", manager=manager)


def issue(acme, session, manager, quantity=3, **kwargs) -> Quote:
    return quote_create(organisation=acme, session=session, requested_by=manager, quantity=quantity, **kwargs)


def places_taken(session) -> int:
    return Session.objects.get(pk=session.pk).places_taken


# --- issuing ------------------------------------------------------------------------------


def test_a_quote_freezes_the_employer_price_and_the_organisation_and_takes_no_place(acme, session, manager):
    quote = issue(acme, session, manager, quantity=3)

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ISSUED
    assert quote.quantity == 3
    assert quote.price_tier_kind == PriceTierKind.EMPLOYER
    assert quote.unit_amount_excl_tax == Decimal("1350.00")
    assert quote.total_excl_tax == Decimal("4050.00")
    assert quote.vat_exempt is True
    assert quote.buyer["name"] == "Acme Lyon"
    assert quote.buyer["siret"] == acme.siret
    assert "69002 Lyon" in quote.buyer["address"]
    assert quote.valid_until == timezone.localdate() + dt.timedelta(days=30)
    assert places_taken(session) == 0


def test_the_organisation_renamed_later_does_not_change_the_quote(acme, session, manager):
    quote = issue(acme, session, manager)
    acme.name = "Acme Rhône"
    acme.save()
    quote.refresh_from_db()
    assert quote.buyer["name"] == "Acme Lyon"


def test_the_quote_is_emailed_to_the_requester_with_its_pdf(acme, session, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        quote = issue(acme, session, manager)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rh@acme.example"]
    assert quote.reference in message.subject
    assert [(name, mimetype) for name, _content, mimetype in message.attachments] == [
        (f"{quote.reference}.pdf", "application/pdf")
    ]
    assert message.attachments[0][1].startswith(b"%PDF")
    assert f"/entreprises/{acme.public_id}/devis/{quote.reference}/" in message.body


def test_a_quote_is_never_valid_after_enrolment_closes(acme, course, manager):
    closes = timezone.now() + dt.timedelta(days=6)
    session = SessionFactory(course=course, enrolment_closes_at=closes)
    quote = issue(acme, session, manager)
    assert quote.valid_until == timezone.localdate(closes)


def test_more_places_than_are_left_are_refused(acme, session, manager):
    Session.objects.filter(pk=session.pk).update(places_taken=10)
    session.refresh_from_db()

    with pytest.raises(QuoteRefused) as refused:
        issue(acme, session, manager, quantity=3)

    assert "2" in str(refused.value.message)
    assert not Quote.objects.exists()


def test_zero_places_are_refused(acme, session, manager):
    with pytest.raises(QuoteRefused):
        issue(acme, session, manager, quantity=0)
    assert not Quote.objects.exists()


def test_someone_who_does_not_manage_the_organisation_cannot_ask_for_a_quote(acme, session):
    outsider = UserFactory()
    with pytest.raises(QuoteRefused):
        issue(acme, session, outsider)
    assert not Quote.objects.exists()


def test_a_pending_join_request_does_not_make_a_manager(acme, session):
    asking = UserFactory()
    MembershipFactory(organisation=acme, user=asking, status=MembershipStatus.REQUESTED)
    with pytest.raises(QuoteRefused):
        issue(acme, session, asking)


def test_a_session_without_an_employer_price_is_refused_clearly(acme, course, manager):
    tiers = [tier for tier in make_price_tiers() if tier.kind != PriceTierKind.EMPLOYER]
    session = SessionFactory(course=course, price_tiers=tiers)

    with pytest.raises(QuoteRefused) as refused:
        issue(acme, session, manager)

    assert "employer" in str(refused.value.message)
    assert not Quote.objects.exists()


def test_a_session_closed_for_enrolment_is_refused(acme, course, manager):
    session = SessionFactory(course=course, enrolment_closes_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(QuoteRefused):
        issue(acme, session, manager)


# --- accepting ----------------------------------------------------------------------------


def test_accepting_takes_the_places_and_creates_the_company_order_and_the_agreement(acme, session, manager):
    quote = issue(acme, session, manager, quantity=3)

    order = quote_accept(quote=quote, by=manager)

    assert places_taken(session) == 3
    order.refresh_from_db()
    assert order.organisation == acme
    assert order.buyer == manager
    assert order.funding == Funding.EMPLOYER
    assert order.status == OrderStatus.PENDING
    assert order.quantity == 3
    assert order.amount_excl_tax == Decimal("4050.00")
    assert order.amount_incl_tax == Decimal("4050.00")
    assert order.vat_exempt is True
    assert order.payment_backend == "dummy"
    assert order.release_on == timezone.localdate(session.starts_at) - dt.timedelta(days=10)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED
    assert quote.accepted_by == manager
    agreement = Agreement.objects.get(quote=quote)
    assert agreement.order == order
    assert agreement.content["title"] == "Apprentissage frugal"
    assert "Savoir entraîner un modèle sobre." in agreement.content["objectives"]
    assert agreement.content["duration_hours"] == "14.0"


def test_accepting_emails_every_manager_the_agreement_and_tells_the_staff(
    acme, session, manager, django_capture_on_commit_callbacks
):
    colleague = UserFactory(email="drh@acme.example")
    MembershipFactory(organisation=acme, user=colleague)
    quote = issue(acme, session, manager)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        order = quote_accept(quote=quote, by=manager)

    agreement = order.agreement
    by_recipients = {tuple(message.to): message for message in mail.outbox}
    assert set(by_recipients) == {("rh@acme.example", "drh@acme.example"), ("formation@allys.example",)}
    for message in mail.outbox:
        assert [name for name, _content, _type in message.attachments] == [f"{agreement.reference}.pdf"]
    managers_email = by_recipients[("rh@acme.example", "drh@acme.example")]
    assert f"/entreprises/{acme.public_id}/commandes/{order.reference}/" in managers_email.body
    assert "Acme Lyon" in by_recipients[("formation@allys.example",)].body


def test_a_session_without_enough_places_left_refuses_and_changes_nothing(acme, session, manager):
    first = issue(acme, session, manager, quantity=8)
    second = issue(acme, session, manager, quantity=8)
    quote_accept(quote=first, by=manager)

    with pytest.raises(SessionFull) as full:
        quote_accept(quote=second, by=manager)

    assert "4" in str(full.value.message)
    assert places_taken(session) == 8
    second.refresh_from_db()
    assert second.status == QuoteStatus.ISSUED
    assert Order.objects.count() == 1
    assert not Agreement.objects.filter(quote=second).exists()


def test_an_expired_quote_is_refused_and_marked_expired(acme, session, manager):
    quote = issue(acme, session, manager)
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    quote.refresh_from_db()

    with pytest.raises(QuoteRefused) as refused:
        quote_accept(quote=quote, by=manager)

    assert "expired" in str(refused.value.message)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.EXPIRED
    assert places_taken(session) == 0
    assert not Order.objects.exists()


def test_accepting_twice_returns_the_same_order_and_takes_the_places_once(acme, session, manager):
    quote = issue(acme, session, manager, quantity=2)

    first = quote_accept(quote=quote, by=manager)
    again = quote_accept(quote=quote, by=manager)

    assert again == first
    assert places_taken(session) == 2
    assert Order.objects.count() == 1


def test_someone_who_does_not_manage_the_organisation_cannot_accept(acme, session, manager):
    quote = issue(acme, session, manager)
    with pytest.raises(QuoteRefused):
        quote_accept(quote=quote, by=UserFactory())
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ISSUED
    assert places_taken(session) == 0


@pytest.mark.parametrize(
    ("starts_in", "release_in"),
    [
        (60, 50),  # ten days before the start
        (10, 3),  # never sooner than three days from today
        (2, 1),  # but never later than the day before the start
    ],
)
def test_unpaid_places_are_released_ten_days_before_the_start_leaving_time_to_pay(starts_in, release_in, settings):
    today = dt.date(2027, 3, 1)
    starts_at = dt.datetime.combine(
        today + dt.timedelta(days=starts_in), dt.time(9), tzinfo=timezone.get_current_timezone()
    )
    assert release_date(Session(starts_at=starts_at), today) == today + dt.timedelta(days=release_in)


# --- cancelling and expiring --------------------------------------------------------------


def test_a_manager_cancels_an_issued_quote_which_can_then_not_be_accepted(acme, session, manager):
    quote = issue(acme, session, manager)

    quote_cancel(quote=quote, by=manager)

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.CANCELLED
    with pytest.raises(QuoteRefused):
        quote_accept(quote=quote, by=manager)
    assert places_taken(session) == 0


def test_an_accepted_quote_cannot_be_cancelled(acme, session, manager):
    quote = issue(acme, session, manager)
    quote_accept(quote=quote, by=manager)
    with pytest.raises(QuoteRefused):
        quote_cancel(quote=quote, by=manager)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED


def test_an_outsider_cannot_cancel_a_quote(acme, session, manager):
    quote = issue(acme, session, manager)
    with pytest.raises(QuoteRefused):
        quote_cancel(quote=quote, by=UserFactory())
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ISSUED


def test_expire_quotes_expires_only_issued_quotes_past_their_last_valid_day(acme, session, manager):
    today = timezone.localdate()
    stale = [issue(acme, session, manager, quantity=1) for _ in range(2)]
    last_day_today = issue(acme, session, manager, quantity=1)
    accepted = issue(acme, session, manager, quantity=1)
    quote_accept(quote=accepted, by=manager)
    Quote.objects.filter(pk__in=[q.pk for q in [*stale, accepted]]).update(valid_until=today - dt.timedelta(days=1))
    Quote.objects.filter(pk=last_day_today.pk).update(valid_until=today)

    assert expire_quotes() == 2

    statuses = dict(Quote.objects.values_list("pk", "status"))
    assert [statuses[q.pk] for q in stale] == [QuoteStatus.EXPIRED, QuoteStatus.EXPIRED]
    assert statuses[last_day_today.pk] == QuoteStatus.ISSUED
    assert statuses[accepted.pk] == QuoteStatus.ACCEPTED
    assert expire_quotes() == 0


# --- concurrency (real transactions) ------------------------------------------------------


@pytest.fixture
def quiet_emails(monkeypatch):
    from enrolments import emails

    monkeypatch.setattr(emails, "notify", lambda kind, object_id: None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises every writer"
)
def test_two_companies_accepting_for_the_last_places_at_once_only_one_gets_them(wagtail_tree, course, quiet_emails):
    session = SessionFactory(course=course, capacity=12)
    quotes = []
    for name in ("Acme", "Globex"):
        person = UserFactory()
        quotes.append((issue(OrganisationFactory(name=name, manager=person), session, person, quantity=2), person))
    Session.objects.filter(pk=session.pk).update(places_taken=10)
    barrier = threading.Barrier(len(quotes))
    outcomes: list[str] = []
    lock = threading.Lock()

    def accept(quote, person):
        try:
            barrier.wait()
            quote_accept(quote=quote, by=person)
            result = "accepted"
        except SessionFull:
            result = "full"
        except Exception as error:  # noqa: BLE001 - reported below
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=accept, args=pair) for pair in quotes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["accepted", "full"], outcomes
    assert places_taken(session) == 12
    assert Order.objects.filter(session=session).count() == 1
    assert Quote.objects.filter(status=QuoteStatus.ACCEPTED).count() == 1
