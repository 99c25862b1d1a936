"""What learners, employers and staff read in the enrolment emails, and what is attached."""

import datetime as dt
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from icalendar import Calendar

from courses.models import SessionStatus
from enrolments import emails
from enrolments.emails import rendering
from enrolments.factories import EnrolmentFactory, InstalmentFactory
from enrolments.models import (
    EnrolmentStatus,
    FundingRequest,
    FundingRequestKind,
    InstalmentStatus,
    OrderStatus,
    Refund,
    WaitlistEntry,
    WaitlistStatus,
)
from tests.ical_series import instances, slots_of, the_uid

pytestmark = pytest.mark.django_db


def in_french(msgid: str, **values) -> str:
    """The French text of ``msgid``, whether or not the catalogue translates it yet."""
    with translation.override("fr"):
        text = gettext(msgid)
    return text % values if values else text


def sent_one():
    assert len(mail.outbox) == 1
    return mail.outbox[0]


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def links(message) -> list[str]:
    return [a["href"] for a in BeautifulSoup(html_of(message), "html.parser").find_all("a")]


def calendar_part(message):
    """The attached invitation as a calendar application receives it: its MIME part and its content."""
    [part] = [p for p in message.message().walk() if p.get_content_type() == "text/calendar"]
    return part, Calendar.from_ical(part.get_payload(decode=True))


def assert_links_absolute(message, language_prefix=""):
    hrefs = links(message)
    assert f"http://testserver{language_prefix}/mon-espace/" in hrefs
    for href in hrefs:
        assert href.startswith(("http://", "https://", "mailto:")), href
    assert f"http://testserver{language_prefix}/mon-espace/" in message.body


@pytest.fixture
def enrolment(session, learner, legal_texts):
    enrolment = EnrolmentFactory(session=session, learner=learner)
    order = enrolment.order
    today = timezone.localdate()
    InstalmentFactory(order=order, number=1, due_on=today + dt.timedelta(days=11), amount=Decimal("270.00"))
    InstalmentFactory(order=order, number=2, due_on=today + dt.timedelta(days=60), amount=Decimal("630.00"))
    return enrolment


@pytest.fixture
def english(monkeypatch):
    """The learner's language is English (User has no language field: the choice is made in one place)."""
    monkeypatch.setattr(rendering, "recipient_language", lambda user: "en")


# --- confirmation ----------------------------------------------------------------------------


def test_confirmation_goes_to_the_learner_in_french_with_both_parts(enrolment):
    emails.send("enrolment_confirmed", enrolment.pk)

    message = sent_one()
    assert message.to == ["camille@example.org"]
    assert message.from_email == "ALLyS Formation <formation@allys.example>"
    assert message.subject == in_french("Your enrolment is confirmed: %(course)s", course="Apprentissage frugal")
    assert "Apprentissage frugal" in message.body
    assert "IAF-TST-2027-01" in message.body
    assert '<html lang="fr">' in html_of(message)
    assert_links_absolute(message)


def test_confirmation_shows_the_withdrawal_deadline_and_the_payment_schedule(enrolment):
    emails.send("enrolment_confirmed", enrolment.pk)

    message = sent_one()
    with translation.override("fr"):
        deadline = timezone.localtime(enrolment.withdrawal_ends_at)
        first_due = timezone.localdate() + dt.timedelta(days=11)
        assert date_format(deadline, "DATETIME_FORMAT") in message.body
        assert date_format(first_due, "j F Y") in message.body
    assert "270,00\u00a0€" in message.body
    assert "630,00\u00a0€" in message.body
    assert "900,00\u00a0€" in message.body
    assert "15 parvis René Descartes, 69007 Lyon" in message.body  # where to send a withdrawal letter


def test_confirmation_attaches_the_invitation_and_the_contract(enrolment):
    emails.send("enrolment_confirmed", enrolment.pk)

    message = sent_one()
    part, calendar = calendar_part(message)
    assert part.get_param("method") == "REQUEST"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert the_uid(calendar) == "session-event-IAF-TST-2027-01@formation.allys.fr"
    assert instances(calendar) == slots_of(enrolment.session)
    assert {str(event["ATTENDEE"]) for event in calendar.walk("VEVENT")} == {"mailto:camille@example.org"}
    [pdf] = [p for p in message.message().walk() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename().endswith("IAF-TST-2027-01.pdf")
    assert pdf.get_payload(decode=True).startswith(b"%PDF")


def test_confirmation_in_english(enrolment, english):
    emails.send("enrolment_confirmed", enrolment.pk)

    message = sent_one()
    assert '<html lang="en">' in html_of(message)
    assert_links_absolute(message, language_prefix="/en")
    with translation.override("en"):
        month = timezone.localtime(enrolment.withdrawal_ends_at).strftime("%B")
    assert month in message.body
    assert "270.00\u00a0€" in message.body


def test_free_place_confirmation_has_no_schedule_and_no_contract(session, learner, legal_texts):
    enrolment = EnrolmentFactory(session=session, learner=learner, withdrawal_ends_at=None)
    enrolment.order.funding = "free"
    enrolment.order.amount_incl_tax = enrolment.order.amount_excl_tax = Decimal("0")
    enrolment.order.status = OrderStatus.PAID
    enrolment.order.save()

    emails.send("enrolment_confirmed", enrolment.pk)

    message = sent_one()
    assert in_french("This place is free of charge: there is nothing to pay.") in message.body
    assert not [p for p in message.message().walk() if p.get_content_type() == "application/pdf"]
    assert calendar_part(message)


# --- the end of an enrolment ------------------------------------------------------------------


def end(enrolment, status):
    enrolment.status = status
    enrolment.ended_at = timezone.now()
    enrolment.save()


def test_withdrawal_confirms_nothing_is_charged_and_cancels_the_events(enrolment):
    end(enrolment, EnrolmentStatus.WITHDRAWN)

    emails.send("enrolment_withdrawn", enrolment.pk)

    message = sent_one()
    assert message.to == ["camille@example.org"]
    assert message.subject == in_french("Your withdrawal is registered: %(course)s", course="Apprentissage frugal")
    assert in_french("Nothing has been charged, and nothing will be.") in message.body
    part, calendar = calendar_part(message)
    assert part.get_param("method") == "CANCEL"
    assert {str(e["STATUS"]) for e in calendar.walk("VEVENT")} == {"CANCELLED"}
    assert_links_absolute(message)


def test_cancellation_states_the_refund_recorded(enrolment):
    paid = enrolment.order.instalments.get(number=1)
    paid.status = InstalmentStatus.PAID
    paid.save()
    Refund.objects.create(order=enrolment.order, instalment=paid, amount=Decimal("135.00"))
    end(enrolment, EnrolmentStatus.CANCELLED)

    emails.send("enrolment_cancelled", enrolment.pk)

    message = sent_one()
    assert message.subject == in_french("Your enrolment is cancelled: %(course)s", course="Apprentissage frugal")
    assert "135,00\u00a0€" in message.body
    assert "135,00\u00a0€" in html_of(message)
    part, _calendar = calendar_part(message)
    assert part.get_param("method") == "CANCEL"


def test_cancellation_states_the_refund_the_terms_give_before_it_is_recorded(enrolment):
    # 60 days before the start: the terms refund everything paid.
    enrolment.order.instalments.filter(number=1).update(status=InstalmentStatus.PAID)
    end(enrolment, EnrolmentStatus.CANCELLED)

    emails.send("enrolment_cancelled", enrolment.pk)

    assert "270,00\u00a0€" in sent_one().body


def test_cancellation_without_payment_says_no_refund_is_due(enrolment):
    end(enrolment, EnrolmentStatus.CANCELLED)

    emails.send("enrolment_cancelled", enrolment.pk)

    assert in_french("Under the cancellation terms, no refund is due.") in sent_one().body


def test_session_cancelled_refunds_everything_paid_and_cancels_the_events(enrolment):
    enrolment.order.instalments.filter(number=1).update(status=InstalmentStatus.PAID)
    enrolment.session.status = SessionStatus.CANCELLED
    enrolment.session.save()
    end(enrolment, EnrolmentStatus.CANCELLED_BY_ORGANISER)

    emails.send("session_cancelled", enrolment.pk)

    message = sent_one()
    assert message.subject == in_french(
        "Session cancelled: %(course)s (%(code)s)", course="Apprentissage frugal", code="IAF-TST-2027-01"
    )
    assert "270,00\u00a0€" in message.body
    part, calendar = calendar_part(message)
    assert part.get_param("method") == "CANCEL"
    assert {e.sequence for e in calendar.walk("VEVENT")} == {enrolment.session.schedule_sequence} == {1}


# --- schedule and reminders -------------------------------------------------------------------


def test_schedule_change_sends_the_updated_invitation(enrolment):
    emails.send("schedule_changed", enrolment.pk)

    message = sent_one()
    assert message.subject == in_french(
        "Schedule changed: %(course)s (%(code)s)", course="Apprentissage frugal", code="IAF-TST-2027-01"
    )
    assert "09:00–17:00" in message.body
    part, calendar = calendar_part(message)
    assert part.get_param("method") == "REQUEST"
    assert {e.sequence for e in calendar.walk("VEVENT")} == {enrolment.session.schedule_sequence}
    assert_links_absolute(message)


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        ("reminder_7", "Your course starts in a week: %(course)s"),
        ("reminder_1", "Your course starts tomorrow: %(course)s"),
    ],
)
def test_reminders_give_the_place_the_times_and_the_lms_link(enrolment, kind, subject):
    enrolment.lms_course_url = "https://moodle.allys.example/course/view.php?id=42"
    enrolment.save()

    emails.send(kind, enrolment.pk)

    message = sent_one()
    assert message.subject == in_french(subject, course="Apprentissage frugal")
    venue = enrolment.session.venue
    assert venue.one_line_address in message.body
    assert "09:00–17:00" in message.body
    assert "https://moodle.allys.example/course/view.php?id=42" in links(message)
    assert "https://moodle.allys.example/course/view.php?id=42" in message.body
    assert_links_absolute(message)


def test_reminder_without_lms_course_has_no_lms_link(enrolment):
    emails.send("reminder_1", enrolment.pk)

    assert "moodle" not in sent_one().body


def test_reminder_is_not_sent_once_the_enrolment_ended(enrolment):
    end(enrolment, EnrolmentStatus.WITHDRAWN)

    emails.send("reminder_7", enrolment.pk)

    assert mail.outbox == []


# --- payments ---------------------------------------------------------------------------------


def test_instalment_notice_gives_the_amount_and_the_date(enrolment):
    instalment = enrolment.order.instalments.get(number=1)

    emails.send("instalment_notice", instalment.pk)

    message = sent_one()
    assert message.to == ["camille@example.org"]
    assert message.subject == in_french("Upcoming payment for %(course)s", course="Apprentissage frugal")
    assert "270,00\u00a0€" in message.body
    with translation.override("fr"):
        assert date_format(instalment.due_on, "j F Y") in message.body
    assert enrolment.order.reference in message.body
    assert_links_absolute(message)


def test_failed_instalment_links_to_the_payment_page(enrolment):
    instalment = enrolment.order.instalments.get(number=1)
    instalment.status = InstalmentStatus.FAILED
    instalment.next_attempt_at = timezone.now() + dt.timedelta(hours=24)
    instalment.save()

    emails.send("instalment_failed", instalment.pk)

    message = sent_one()
    assert message.subject == in_french("Payment failed for %(course)s", course="Apprentissage frugal")
    url = f"http://testserver/mon-espace/paiements/{instalment.pk}/regler/"
    assert url == "http://testserver" + reverse("dashboard:instalment_pay", kwargs={"pk": instalment.pk})
    assert url in links(message)
    assert url in message.body
    assert "270,00\u00a0€" in message.body


def test_failed_instalment_in_english_links_to_the_english_page(enrolment, english):
    instalment = enrolment.order.instalments.get(number=1)
    instalment.status = InstalmentStatus.FAILED
    instalment.save()

    emails.send("instalment_failed", instalment.pk)

    assert f"http://testserver/en/mon-espace/paiements/{instalment.pk}/regler/" in links(sent_one())


# --- waitlist and quote requests --------------------------------------------------------------


def test_waitlist_offer_links_to_the_enrolment_page_and_gives_the_deadline(session, learner):
    expires = timezone.now() + dt.timedelta(hours=48)
    entry = WaitlistEntry.objects.create(
        session=session, person=learner, status=WaitlistStatus.OFFERED, offer_expires_at=expires
    )

    emails.send("waitlist_offer", entry.pk)

    message = sent_one()
    assert message.to == ["camille@example.org"]
    assert message.subject == in_french("A place is free for you: %(course)s", course="Apprentissage frugal")
    url = "http://testserver/inscription/IAF-TST-2027-01/"
    assert url == "http://testserver" + reverse("enrol:choose", kwargs={"code": session.code})
    assert url in links(message)
    with translation.override("fr"):
        assert date_format(timezone.localtime(expires), "DATETIME_FORMAT") in message.body
    assert_links_absolute(message)


@pytest.fixture
def quote_request(session, learner):
    return FundingRequest.objects.create(
        session=session,
        requester=learner,
        kind=FundingRequestKind.EMPLOYER,
        organisation_name="Biotech Lyon SAS",
        contact_email="rh@biotech.example",
        message="Formation prévue au plan de développement des compétences.",
    )


def test_quote_request_goes_to_the_employer_with_the_session_the_price_and_the_learner(quote_request):
    emails.send("funding_request_employer", quote_request.pk)

    message = sent_one()
    assert message.to == ["rh@biotech.example"]
    assert message.subject == in_french(
        "Training quote request for %(name)s: %(course)s", name="Camille Martin", course="Apprentissage frugal"
    )
    assert "Camille Martin" in message.body
    assert "camille@example.org" in message.body
    assert "1\u00a0350,00\u00a0€" in message.body  # the employer price, exempt from VAT
    assert "IAF-TST-2027-01" in message.body
    assert "plan de développement" in message.body


def test_quote_request_goes_to_the_staff(quote_request, settings):
    settings.ENROLMENT_STAFF_EMAILS = ["formation@allys.example", "compta@allys.example"]

    emails.send("funding_request_staff", quote_request.pk)

    message = sent_one()
    assert message.to == ["formation@allys.example", "compta@allys.example"]
    assert message.reply_to == ["camille@example.org"]
    assert "Biotech Lyon SAS" in message.body
    assert "rh@biotech.example" in message.body


def test_quote_request_without_contact_email_is_not_sent_to_anyone_outside(quote_request):
    quote_request.contact_email = ""
    quote_request.save()

    emails.send("funding_request_employer", quote_request.pk)

    assert mail.outbox == []


# --- what is never sent -----------------------------------------------------------------------


def test_nothing_is_sent_about_an_anonymised_person(enrolment, quote_request):
    enrolment.learner.anonymised_at = timezone.now()
    enrolment.learner.save()

    emails.send("enrolment_confirmed", enrolment.pk)
    emails.send("reminder_7", enrolment.pk)
    emails.send("funding_request_staff", quote_request.pk)

    assert mail.outbox == []


def test_an_object_that_is_gone_sends_nothing(db):
    emails.send("enrolment_confirmed", "999999")
    emails.send("instalment_failed", "not-an-id")

    assert mail.outbox == []


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="no_such_email"):
        emails.send("no_such_email", 1)
    with pytest.raises(ValueError, match="no_such_email"):
        emails.notify("no_such_email", 1)


# --- notify: after the commit, from a task ----------------------------------------------------


def test_notify_sends_once_the_transaction_commits(enrolment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        emails.notify("reminder_1", enrolment.pk)
        assert mail.outbox == []

    assert len(callbacks) == 1
    assert sent_one().to == ["camille@example.org"]


def test_notify_in_a_rolled_back_transaction_sends_nothing(enrolment, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                emails.notify("reminder_1", enrolment.pk)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    assert mail.outbox == []
