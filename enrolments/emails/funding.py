"""Quote requests: to the employer or funder named by the learner, and to the training staff."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from courses.models import PriceTierKind
from enrolments.emails.rendering import Draft, email_kind, loader, money, staff_language
from enrolments.emails.session_details import person_name, session_context, subject_course
from enrolments.models import FundingRequest

load_request = loader(
    FundingRequest.objects.select_related("requester", "session__venue", "session__course").prefetch_related(
        "session__price_tiers"
    )
)


def requester(request: FundingRequest):
    return request.requester


def quoted_price(request: FundingRequest) -> dict[str, Any] | None:
    """The employer-funded price of the session (the individual one if there is none)."""
    tiers = {tier.kind: tier for tier in request.session.price_tiers.all()}
    tier = tiers.get(PriceTierKind.EMPLOYER) or tiers.get(PriceTierKind.INDIVIDUAL)
    if tier is None:
        return None
    return {
        "excl_tax": money(tier.amount_excl_tax, tier.currency),
        "incl_tax": money(tier.amount_incl_tax, tier.currency),
        "vat_exempt": tier.vat_exempt,
    }


def _request_context(request: FundingRequest, *, language: str) -> dict[str, Any]:
    return {
        **session_context(request.session, language=language),
        "request": request,
        "learner_name": person_name(request.requester),
        "learner_email": request.requester.email,
        "organisation_name": request.organisation_name,
        "kind": request.get_kind_display(),
        "message": request.message,
        "price": quoted_price(request),
    }


@email_kind("funding_request_employer", load=load_request, person=requester, language=staff_language)
def funding_request_employer(request: FundingRequest, language: str) -> Draft | None:
    """To the employer or funder: a quote for the learner's place in the session."""
    if not request.contact_email:
        return None
    context = _request_context(request, language=language)
    return Draft(
        to=[request.contact_email],
        subject=_("Training quote request for %(name)s: %(course)s")
        % {**subject_course(context), "name": context["learner_name"]},
        template="funding_request_employer",
        context=context,
        reply_to=[settings.SELLER["email"]],
    )


@email_kind("funding_request_staff", load=load_request, person=requester, language=staff_language)
def funding_request_staff(request: FundingRequest, language: str) -> Draft | None:
    """To the training staff: a learner asks their employer or a funder to pay."""
    context = _request_context(request, language=language)
    return Draft(
        to=list(settings.ENROLMENT_STAFF_EMAILS),
        subject=_("New quote request (%(kind)s): %(course)s (%(code)s)")
        % {**subject_course(context), "kind": context["kind"]},
        template="funding_request_staff",
        context=context,
        reply_to=[request.requester.email] if request.requester.email else [],
    )
