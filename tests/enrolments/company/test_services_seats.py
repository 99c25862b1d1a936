"""Company seats, service by service: pool, assignment (one, a list), claims, reassignment, codes, reminders."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import translation

from courses.models import Session
from enrolments.factories import (
    CompanyOrderFactory,
    EnrolmentFactory,
    OrganisationFactory,
    SeatFactory,
    UserFactory,
)
from enrolments.models import EnrolmentStatus, OrderStatus, Seat, SeatStatus
from enrolments.services.seat_lists import decode_upload, parse_email_list
from enrolments.services.seats import (
    SeatNotFound,
    SeatRefused,
    create_seat_pool,
    remind_unassigned_seats,
    seat_assign,
    seat_claim,
    seat_code_redeem,
    seat_codes_issue,
    seat_reassign,
    seat_revoke,
    seats_assign_many,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The services answer in the active language; these tests read their English messages."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def manager(db):
    return UserFactory(email="rh@entreprise.example", first_name="Hélène", language="en")


@pytest.fixture
def organisation(manager):
    return OrganisationFactory(name="Acme Lyon", manager=manager)


@pytest.fixture
def order(session, organisation, manager):
    order = CompanyOrderFactory(session=session, organisation=organisation, buyer=manager, quantity=3)
    create_seat_pool(order=order)
    return order


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run a service and send the emails it queued on commit."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


def free_seat(order) -> Seat:
    return order.seats.filter(status=SeatStatus.FREE).order_by("pk").first()


def claim_link(message) -> str:
    match = re.search(r"http://testserver(/entreprises/places/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def calendar_methods(message) -> list[str]:
    """The METHOD of each calendar invitation attached to ``message``."""
    return [
        part.get_param("method")
        for part in message.attachments
        if not isinstance(part, tuple) and part.get_content_type() == "text/calendar"
    ]


# --- pool -------------------------------------------------------------------------------------------


def test_the_pool_is_created_once(order):
    create_seat_pool(order=order)
    create_seat_pool(order=order)
    assert order.seats.count() == 3
    assert set(order.seats.values_list("status", flat=True)) == {SeatStatus.FREE}


# --- assigning ---------------------------------------------------------------------------------------


def test_assigning_emails_the_claim_link(order, manager, sent):
    seat = sent(seat_assign, seat=free_seat(order), email=" Camille@Example.org ", by=manager)

    assert seat.status == SeatStatus.ASSIGNED
    assert seat.email == "camille@example.org"
    assert seat.assigned_by == manager
    [message] = mail.outbox
    assert message.to == ["camille@example.org"]
    assert "Apprentissage frugal" in message.subject
    assert claim_link(message) == f"/entreprises/places/{seat.token}/"


def test_an_email_gets_one_seat_per_session(order, session, manager):
    seat_assign(seat=free_seat(order), email="camille@example.org", by=manager)
    # Even through another organisation's order for the same session.
    other = CompanyOrderFactory(session=session, organisation=OrganisationFactory())
    create_seat_pool(order=other)

    with pytest.raises(SeatRefused, match="already has a seat"):
        seat_assign(seat=free_seat(other), email="CAMILLE@example.org", by=manager)
    with pytest.raises(SeatRefused, match="already has a seat"):
        seat_assign(seat=free_seat(order), email="camille@example.org", by=manager)


def test_someone_already_enrolled_cannot_get_a_seat(order, session, manager, learner):
    EnrolmentFactory(session=session, learner=learner)

    with pytest.raises(SeatRefused, match="already enrolled"):
        seat_assign(seat=free_seat(order), email=learner.email.upper(), by=manager)
    assert order.seats.filter(status=SeatStatus.FREE).count() == 3


def test_no_assignment_once_the_session_started(order, session, manager):
    with pytest.raises(SeatRefused, match="has started"):
        seat_assign(
            seat=free_seat(order), email="a@example.org", by=manager, now=session.starts_at + dt.timedelta(hours=1)
        )


def test_seats_of_an_unpaid_order_cannot_be_assigned(session, organisation, manager):
    pending = CompanyOrderFactory(session=session, organisation=organisation, status=OrderStatus.PENDING)
    seat = SeatFactory(order=pending)

    with pytest.raises(SeatRefused, match="once it is paid or invoiced"):
        seat_assign(seat=seat, email="a@example.org", by=manager)


def test_an_invalid_email_is_refused(order, manager):
    with pytest.raises(SeatRefused, match="not a valid email"):
        seat_assign(seat=free_seat(order), email="camille.example.org", by=manager)


# --- a list ------------------------------------------------------------------------------------------


def test_a_list_that_fits_is_assigned_and_everyone_invited(order, manager, sent):
    report = sent(
        seats_assign_many, order=order, emails=["a@example.org", "b@example.org", "A@example.org"], by=manager
    )

    assert report.blocking == ""
    assert sorted(seat.email for seat in report.assigned) == ["a@example.org", "b@example.org"]
    assert report.duplicates == ["a@example.org"]
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    assert order.seats.filter(status=SeatStatus.FREE).count() == 1


def test_more_emails_than_free_seats_assigns_nothing(order, manager, sent):
    emails = ["a@example.org", "b@example.org", "c@example.org", "d@example.org"]
    report = sent(seats_assign_many, order=order, emails=emails, by=manager)

    assert report.assigned == []
    assert report.blocking == "4 people to invite, but only 3 free seats: nothing was assigned."
    assert order.seats.filter(status=SeatStatus.FREE).count() == 3
    assert mail.outbox == []


def test_invalid_items_are_reported_and_the_valid_ones_assigned(order, session, manager, learner):
    EnrolmentFactory(session=session, learner=learner)
    report = seats_assign_many(order=order, emails=["a@example.org", "pas-un-email", learner.email], by=manager)

    assert [seat.email for seat in report.assigned] == ["a@example.org"]
    assert report.invalid == ["“pas-un-email” is not a valid email address."]
    assert report.refused == [f"{learner.email}: already enrolled in this session"]


def test_a_list_after_the_start_assigns_nothing(order, session, manager):
    report = seats_assign_many(
        order=order, emails=["a@example.org"], by=manager, now=session.starts_at + dt.timedelta(minutes=1)
    )
    assert report.assigned == []
    assert "has started" in report.blocking


# --- parsing lists -------------------------------------------------------------------------------------


def test_a_pasted_list_may_mix_newlines_commas_semicolons_and_names():
    text = "a@example.org, b@example.org\nCamille Martin <C@Example.org>; d@example.org\n\n  oops  \n"
    emails, errors = parse_email_list(text)
    assert emails == ["a@example.org", "b@example.org", "c@example.org", "d@example.org"]
    assert errors == ["Line 4: “oops” is not a valid email address."]


def test_an_excel_csv_with_bom_semicolons_and_an_email_column():
    content = "Nom;Prénom;E-mail\r\nMartin;Camille;camille@example.org\r\nDurand;Léa;\r\nRoux;Jo;jo@example\r\n"
    emails, errors = parse_email_list(decode_upload(content.encode("utf-8-sig")))
    assert emails == ["camille@example.org"]
    assert errors == ["Line 3: no email address.", "Line 4: “jo@example” is not a valid email address."]


def test_a_comma_csv_with_quoted_names_and_a_header():
    content = 'email,name\n"a@example.org","Martin, Camille"\nb@example.org,Léa\n'
    assert parse_email_list(decode_upload(content.encode())) == (["a@example.org", "b@example.org"], [])


def test_a_file_with_one_email_per_line_and_no_header():
    content = "\ufeffa@example.org\nb@example.org\n"
    assert parse_email_list(decode_upload(content.encode())) == (["a@example.org", "b@example.org"], [])


def test_an_older_excel_file_in_windows_1252_is_read():
    content = "Prénom;email\nLéa;lea@example.org\n".encode("cp1252")
    assert parse_email_list(decode_upload(content)) == (["lea@example.org"], [])


# --- claiming -------------------------------------------------------------------------------------------


@pytest.fixture
def assigned(order, manager, learner):
    return seat_assign(seat=free_seat(order), email=learner.email, by=manager)


def test_the_invited_person_claims_and_is_enrolled_without_paying(
    assigned, order, session, learner, manager, legal_texts, sent
):
    places_before = Session.objects.get(pk=session.pk).places_taken

    enrolment = sent(seat_claim, token=assigned.token, user=learner)

    assert enrolment.status == EnrolmentStatus.CONFIRMED
    assert enrolment.order == order
    assert enrolment.withdrawal_ends_at is None
    assert enrolment.internal_rules == legal_texts["rules"]
    assert order.instalments.count() == 0
    assert Session.objects.get(pk=session.pk).places_taken == places_before
    seat = Seat.objects.get(pk=assigned.pk)
    assert (seat.status, seat.holder, seat.enrolment) == (SeatStatus.CLAIMED, learner, enrolment)
    to_learner = next(m for m in mail.outbox if m.to == [learner.email])
    assert calendar_methods(to_learner) == ["REQUEST"]
    to_manager = next(m for m in mail.outbox if m.to == [manager.email])
    assert "Camille Martin claimed their seat" in to_manager.subject


def test_a_verified_second_address_may_claim(order, manager, legal_texts):
    from allauth.account.models import EmailAddress

    person = UserFactory(email="perso@example.org")
    EmailAddress.objects.create(user=person, email="Pro@Entreprise.example", verified=True)
    seat = seat_assign(seat=free_seat(order), email="pro@entreprise.example", by=manager)

    assert seat_claim(token=seat.token, user=person).learner == person


def test_another_account_cannot_claim(assigned, legal_texts):
    from allauth.account.models import EmailAddress

    stranger = UserFactory(email="stranger@example.org")
    EmailAddress.objects.create(user=stranger, email=assigned.email, verified=False)

    with pytest.raises(SeatRefused, match="This seat is for camille@example.org"):
        seat_claim(token=assigned.token, user=stranger)
    assert Seat.objects.get(pk=assigned.pk).status == SeatStatus.ASSIGNED


def test_claiming_twice_gives_the_same_enrolment_and_nobody_else_can(assigned, learner, legal_texts):
    first = seat_claim(token=assigned.token, user=learner)
    assert seat_claim(token=assigned.token, user=learner) == first

    with pytest.raises(SeatRefused, match="already been claimed"):
        seat_claim(token=assigned.token, user=UserFactory())


def test_someone_who_enrolled_meanwhile_is_told_clearly(assigned, session, learner, legal_texts):
    EnrolmentFactory(session=session, learner=learner)

    with pytest.raises(SeatRefused, match="already enrolled in this session"):
        seat_claim(token=assigned.token, user=learner)
    assert Seat.objects.get(pk=assigned.pk).status == SeatStatus.ASSIGNED


def test_an_unknown_link_is_not_found(learner):
    with pytest.raises(SeatNotFound):
        seat_claim(token="nope", user=learner)


# --- reassigning and revoking ------------------------------------------------------------------------------


def test_reassigning_a_claimed_seat_unenrols_the_first_person_and_invites_the_second(
    assigned, learner, manager, legal_texts, sent
):
    enrolment = seat_claim(token=assigned.token, user=learner)
    old_token = assigned.token
    mail.outbox.clear()

    seat = sent(seat_reassign, seat=assigned, email="lea@example.org", by=manager)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED
    assert (seat.status, seat.email, seat.holder, seat.enrolment) == (
        SeatStatus.ASSIGNED,
        "lea@example.org",
        None,
        None,
    )
    assert seat.token != old_token
    with pytest.raises(SeatNotFound):
        seat_claim(token=old_token, user=learner)
    assert {m.to[0] for m in mail.outbox} == {learner.email, "lea@example.org"}
    invitation = next(m for m in mail.outbox if m.to == ["lea@example.org"])
    assert claim_link(invitation) == f"/entreprises/places/{seat.token}/"
    revoked = next(m for m in mail.outbox if m.to == [learner.email])
    assert "Acme Lyon" in revoked.body
    assert calendar_methods(revoked) == ["CANCEL"]


def test_revoking_frees_the_seat_and_kills_the_link(assigned, learner, manager, legal_texts):
    enrolment = seat_claim(token=assigned.token, user=learner)

    seat = seat_revoke(seat=assigned, by=manager)

    assert (seat.status, seat.email, seat.holder) == (SeatStatus.FREE, "", None)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED
    with pytest.raises(SeatNotFound):
        seat_claim(token=assigned.token, user=learner)
    # The seat can be given again, to the same person too.
    assert seat_assign(seat=seat, email=learner.email, by=manager).status == SeatStatus.ASSIGNED


def test_no_reassigning_or_revoking_after_the_start(assigned, session, manager):
    later = session.starts_at + dt.timedelta(hours=2)
    with pytest.raises(SeatRefused, match="has started"):
        seat_reassign(seat=assigned, email="lea@example.org", by=manager, now=later)
    with pytest.raises(SeatRefused, match="has started"):
        seat_revoke(seat=assigned, by=manager, now=later)
    assert Seat.objects.get(pk=assigned.pk).status == SeatStatus.ASSIGNED


# --- codes ----------------------------------------------------------------------------------------------------


def test_codes_are_issued_for_free_seats_only_once_each(assigned, order, manager):
    seats = seat_codes_issue(order=order, by=manager)

    assert len(seats) == 2
    assert all(re.fullmatch(r"ALLYS-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", seat.code) for seat in seats)
    assert len({seat.code for seat in seats}) == 2
    assert Seat.objects.get(pk=assigned.pk).code is None
    again = seat_codes_issue(order=order, by=manager)
    assert {seat.code for seat in again} == {seat.code for seat in seats}


def test_a_code_enrols_once(order, session, manager, learner, legal_texts, sent):
    [seat, *_] = seat_codes_issue(order=order, by=manager)
    typed = seat.code.lower().replace("-", " ")

    enrolment = sent(seat_code_redeem, code=typed, user=learner, session_code=session.code)

    assert (enrolment.status, enrolment.order) == (EnrolmentStatus.CONFIRMED, order)
    seat.refresh_from_db()
    assert (seat.status, seat.holder, seat.code) == (SeatStatus.CLAIMED, learner, seat.code)
    assert any(m.to == [manager.email] for m in mail.outbox)
    with pytest.raises(SeatRefused) as used:
        seat_code_redeem(code=seat.code, user=UserFactory())
    with pytest.raises(SeatRefused) as unknown:
        seat_code_redeem(code="ALLYS-2222-2222", user=UserFactory())
    assert (
        used.value.message
        == unknown.value.message
        == ("This code is not valid or has already been used. Check it, or ask your manager.")
    )


def test_a_code_for_another_session_is_not_used(order, manager, learner, legal_texts):
    [seat, *_] = seat_codes_issue(order=order, by=manager)

    with pytest.raises(SeatRefused, match="another session"):
        seat_code_redeem(code=seat.code, user=learner, session_code="AUTRE-2027")
    assert Seat.objects.get(pk=seat.pk).status == SeatStatus.FREE


def test_ten_wrong_codes_block_the_person_for_a_while(order, manager, learner, legal_texts):
    [seat, *_] = seat_codes_issue(order=order, by=manager)
    for _attempt in range(10):
        with pytest.raises(SeatRefused, match="not valid"):
            seat_code_redeem(code="ALLYS-2222-2222", user=learner)

    with pytest.raises(SeatRefused, match="Too many wrong codes"):
        seat_code_redeem(code=seat.code, user=learner)
    assert Seat.objects.get(pk=seat.pk).status == SeatStatus.FREE
    # Someone else is not blocked.
    assert seat_code_redeem(code=seat.code, user=UserFactory()).status == EnrolmentStatus.CONFIRMED


# --- reminders --------------------------------------------------------------------------------------------------


def test_managers_are_reminded_of_free_seats_14_and_3_days_before_once_each(
    order, session, manager, organisation, sent
):
    colleague = UserFactory(email="manager2@entreprise.example")
    from enrolments.factories import MembershipFactory

    MembershipFactory(organisation=organisation, user=colleague)
    seat_assign(seat=free_seat(order), email="a@example.org", by=manager)
    mail.outbox.clear()
    at_14 = session.starts_at - dt.timedelta(days=13, hours=12)

    assert sent(remind_unassigned_seats, now=at_14) == 1
    assert sent(remind_unassigned_seats, now=at_14 + dt.timedelta(hours=6)) == 0
    [message] = mail.outbox
    assert sorted(message.to) == sorted([manager.email, colleague.email])
    assert "still has 2 free seats" in message.body
    assert "seats_unassigned_14" in type(order).objects.get(pk=order.pk).notices

    at_3 = session.starts_at - dt.timedelta(days=2)
    assert sent(remind_unassigned_seats, now=at_3) == 1
    assert sent(remind_unassigned_seats, now=at_3) == 0
    assert len(mail.outbox) == 2


def test_no_reminder_when_every_seat_is_assigned(order, session, manager):
    seats_assign_many(order=order, emails=["a@example.org", "b@example.org", "c@example.org"], by=manager)
    assert remind_unassigned_seats(now=session.starts_at - dt.timedelta(days=10)) == 0


def test_an_order_paid_late_gets_only_the_last_reminder(order, session):
    now = session.starts_at - dt.timedelta(days=2)
    assert remind_unassigned_seats(now=now) == 1
    assert set(type(order).objects.get(pk=order.pk).notices) == {"seats_unassigned_3"}
    assert remind_unassigned_seats(now=now + dt.timedelta(hours=1)) == 0
