"""Emails about the payment schedule: a charge is coming, a charge failed."""

from __future__ import annotations

from django.utils.translation import gettext as _

from enrolments.emails.rendering import INSTALMENT_PAYMENT_PATH, Draft, email_kind, loader, money, site_url
from enrolments.emails.session_details import person_name, session_context, subject_course
from enrolments.models import Instalment, InstalmentStatus

load_instalment = loader(Instalment.objects.select_related("order__buyer", "order__session__venue"))


def buyer(instalment: Instalment):
    return instalment.order.buyer


def _instalment_context(instalment: Instalment, *, language: str) -> dict:
    order = instalment.order
    return {
        **session_context(order.session, language=language),
        "instalment": instalment,
        "order": order,
        "amount": money(instalment.amount, order.currency),
        "due_on": instalment.due_on,
        "learner_name": person_name(order.buyer),
        "first_name": order.buyer.first_name,
    }


@email_kind("instalment_notice", load=load_instalment, person=buyer)
def instalment_notice(instalment: Instalment, language: str) -> Draft | None:
    """A few days before a charge: its amount and date, on the saved card."""
    if instalment.status != InstalmentStatus.SCHEDULED:
        return None
    context = _instalment_context(instalment, language=language)
    return Draft(
        to=[instalment.order.buyer.email],
        subject=_("Upcoming payment for %(course)s") % subject_course(context),
        template="instalment_notice",
        context=context,
    )


@email_kind("instalment_failed", load=load_instalment, person=buyer)
def instalment_failed(instalment: Instalment, language: str) -> Draft | None:
    """The charge failed: a link to update the card and pay now; when it will be retried."""
    if instalment.status != InstalmentStatus.FAILED:
        return None
    context = _instalment_context(instalment, language=language)
    context.update(
        {
            "payment_url": site_url(INSTALMENT_PAYMENT_PATH.format(instalment_id=instalment.pk), language=language),
            "next_attempt_at": instalment.next_attempt_at,
        }
    )
    return Draft(
        to=[instalment.order.buyer.email],
        subject=_("Payment failed for %(course)s") % subject_course(context),
        template="instalment_failed",
        context=context,
    )
