"""Emails to a learner about their enrolment: confirmation, withdrawal, cancellations, changes, reminders."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from courses.models import SessionStatus
from enrolments.emails.rendering import Attachment, Draft, email_kind, loader, money
from enrolments.emails.session_details import invitation, person_name, refund_due, session_context, subject_course
from enrolments.models import Enrolment, EnrolmentStatus, Funding

load_enrolment = loader(Enrolment.objects.select_related("session__venue", "session__course", "learner", "order"))


def learner(enrolment: Enrolment):
    return enrolment.learner


def enrolment_context(enrolment: Enrolment, *, language: str) -> dict[str, Any]:
    """What every email about an enrolment shows."""
    return {
        **session_context(enrolment.session, language=language),
        "enrolment": enrolment,
        "learner_name": person_name(enrolment.learner),
        "first_name": enrolment.learner.first_name,
        "lms_course_url": enrolment.lms_course_url,
    }


def contract_attachment(enrolment: Enrolment) -> Attachment:
    """The individual training contract (L6353-3) as a PDF.

    Built while the email's language is active: the contract is in the
    language of the order's invoice if there is one, else in that language.
    """
    # Imported here: the documents package renders PDFs with weasyprint, which
    # the other emails do not need to load.
    from enrolments.documents.pdf import contract_pdf

    filename = _("training-contract-%(code)s.pdf") % {"code": enrolment.session.code}
    content = contract_pdf(enrolment)
    return Attachment(filename=filename, content=content, mimetype="application/pdf")


def payment_schedule(enrolment: Enrolment) -> list[dict[str, Any]]:
    """The dated charges of the enrolment's order, for the confirmation."""
    if enrolment.order is None:
        return []
    return [
        {"number": i.number, "due_on": i.due_on, "amount": money(i.amount, enrolment.order.currency), "status": i}
        for i in enrolment.order.instalments.order_by("number")
    ]


@email_kind("enrolment_confirmed", load=load_enrolment, person=learner)
def enrolment_confirmed(enrolment: Enrolment, language: str) -> Draft | None:
    """The contract, the calendar invitation, the withdrawal period and the payment schedule."""
    if enrolment.status != EnrolmentStatus.CONFIRMED:
        return None
    context = enrolment_context(enrolment, language=language)
    order = enrolment.order
    self_funded = order is not None and order.funding == Funding.SELF
    context.update(
        {
            "withdrawal_ends_at": enrolment.withdrawal_ends_at,
            "withdrawal_days": settings.WITHDRAWAL_PERIOD_DAYS,
            "instalments": payment_schedule(enrolment),
            "total": money(order.amount_incl_tax, order.currency) if order else None,
            "free": order is None or order.amount_incl_tax == 0,
            "self_funded": self_funded,
            "order": order,
        }
    )
    attachments = [invitation(enrolment.session, enrolment.learner, method="REQUEST", language=language)]
    if self_funded:
        attachments.append(contract_attachment(enrolment))
    return Draft(
        to=[enrolment.learner.email],
        subject=_("Your enrolment is confirmed: %(course)s") % subject_course(context),
        template="enrolment_confirmed",
        context=context,
        attachments=attachments,
    )


def _ended(enrolment: Enrolment, language: str, *, subject: str, template: str) -> Draft:
    """A withdrawal or a cancellation: the calendar events are cancelled, and what is refunded."""
    context = enrolment_context(enrolment, language=language)
    currency = enrolment.order.currency if enrolment.order else "EUR"
    refund = refund_due(enrolment)
    context.update({"refund": money(refund, currency) if refund else None, "order": enrolment.order})
    return Draft(
        to=[enrolment.learner.email],
        subject=subject % subject_course(context),
        template=template,
        context=context,
        attachments=[invitation(enrolment.session, enrolment.learner, method="CANCEL", language=language)],
    )


@email_kind("enrolment_withdrawn", load=load_enrolment, person=learner)
def enrolment_withdrawn(enrolment: Enrolment, language: str) -> Draft | None:
    """The withdrawal is registered: nothing is charged, the events leave the calendar."""
    if enrolment.status != EnrolmentStatus.WITHDRAWN:
        return None
    return _ended(
        enrolment, language, subject=_("Your withdrawal is registered: %(course)s"), template="enrolment_withdrawn"
    )


@email_kind("enrolment_cancelled", load=load_enrolment, person=learner)
def enrolment_cancelled(enrolment: Enrolment, language: str) -> Draft | None:
    """The learner cancelled after the withdrawal period: the refund the terms give, if any."""
    if enrolment.status != EnrolmentStatus.CANCELLED:
        return None
    return _ended(
        enrolment, language, subject=_("Your enrolment is cancelled: %(course)s"), template="enrolment_cancelled"
    )


@email_kind("session_cancelled", load=load_enrolment, person=learner)
def session_cancelled(enrolment: Enrolment, language: str) -> Draft | None:
    """The organiser cancelled the session: everything paid is refunded in full."""
    context = enrolment_context(enrolment, language=language)
    currency = enrolment.order.currency if enrolment.order else "EUR"
    refund = refund_due(enrolment)
    context["refund"] = money(refund, currency) if refund else None
    return Draft(
        to=[enrolment.learner.email],
        subject=_("Session cancelled: %(course)s (%(code)s)") % subject_course(context),
        template="session_cancelled",
        context=context,
        attachments=[invitation(enrolment.session, enrolment.learner, method="CANCEL", language=language)],
    )


@email_kind("schedule_changed", load=load_enrolment, person=learner)
def schedule_changed(enrolment: Enrolment, language: str) -> Draft | None:
    """The dates, times or place changed: the new timetable and an updated invitation."""
    if enrolment.status != EnrolmentStatus.CONFIRMED or enrolment.session.status != SessionStatus.SCHEDULED:
        return None
    context = enrolment_context(enrolment, language=language)
    return Draft(
        to=[enrolment.learner.email],
        subject=_("Schedule changed: %(course)s (%(code)s)") % subject_course(context),
        template="schedule_changed",
        context=context,
        attachments=[invitation(enrolment.session, enrolment.learner, method="REQUEST", language=language)],
    )


def _reminder(enrolment: Enrolment, language: str, *, days: int, subject: str) -> Draft | None:
    if enrolment.status != EnrolmentStatus.CONFIRMED or enrolment.session.status != SessionStatus.SCHEDULED:
        return None
    context = enrolment_context(enrolment, language=language)
    context["days"] = days
    return Draft(
        to=[enrolment.learner.email], subject=subject % subject_course(context), template="reminder", context=context
    )


@email_kind("reminder_7", load=load_enrolment, person=learner)
def reminder_7(enrolment: Enrolment, language: str) -> Draft | None:
    """A week before the start: place, times, LMS link."""
    return _reminder(enrolment, language, days=7, subject=_("Your course starts in a week: %(course)s"))


@email_kind("reminder_1", load=load_enrolment, person=learner)
def reminder_1(enrolment: Enrolment, language: str) -> Draft | None:
    """The day before the start: place, times, LMS link."""
    return _reminder(enrolment, language, days=1, subject=_("Your course starts tomorrow: %(course)s"))
