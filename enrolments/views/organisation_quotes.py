"""Booking places for a team from a session page: the quote, its acceptance, the quote and agreement PDFs.

Access policy:

- ``buy`` (``/entreprises/reserver/<code>/``): any signed-in person; only the
  organisations they manage can buy, and someone who manages none is told how
  to create or join one.
- everything under ``/entreprises/<org>/``: that organisation's active
  managers (``manager_required``); quotes and agreements are looked up within
  the organisation, so another organisation's manager gets a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from courses.availability import SessionState
from enrolments.documents.company import agreement_pdf as render_agreement
from enrolments.documents.company import quote_pdf as render_quote
from enrolments.forms.seat_purchase import SeatPurchaseForm
from enrolments.models import Agreement, Organisation, Quote, QuoteStatus
from enrolments.services import quotes as quote_services
from enrolments.services.errors import EnrolmentError
from enrolments.views import enrolment_queries as queries
from enrolments.views.documents import pdf_response
from enrolments.views.organisation_access import managed_organisations, manager_required, organisation_object


def _typed_quantity(form: SeatPurchaseForm) -> int:
    """The number of places the page prices: what was typed if it is a sensible number, else 1."""
    raw = form.data.get("quantity") if form.is_bound else form.initial.get("quantity")
    try:
        quantity = int(raw)
    except (TypeError, ValueError):
        return 1
    return quantity if 1 <= quantity <= max(form.places_left, 1) else 1


@login_required
@require_http_methods(["GET", "POST"])
def buy(request: HttpRequest, code: str) -> HttpResponse:
    """Book places of a session for a team: how many, for which organisation; a valid POST issues the quote."""
    session = queries.session_for_flow(code)
    now = timezone.now()
    context = {
        "session": session,
        "course": queries.localized_course(session, translation.get_language()),
        "state": session.state(now),
    }
    organisations = managed_organisations(request.user).order_by("name")
    if not organisations.exists():
        here = request.get_full_path()
        context["create_url"] = reverse("organisations:create") + "?" + urlencode({"next": here})
        context["join_url"] = reverse("organisations:join") + "?" + urlencode({"next": here})
        return render(request, "enrolments/organisations/buy.html", context)
    tier = quote_services.employer_tier(session)
    if context["state"] != SessionState.OPEN or tier is None:
        return render(request, "enrolments/organisations/buy.html", context | {"tier": tier, "closed": True})

    form = SeatPurchaseForm(
        request.POST if request.method == "POST" else None,
        organisations=organisations,
        places_left=session.places_left,
        initial={"quantity": request.GET.get("quantity", 1)},
    )
    if request.method == "POST" and form.is_valid():
        organisation: Organisation = form.cleaned_data["organisation"]
        try:
            quote = quote_services.quote_create(
                organisation=organisation,
                session=session,
                requested_by=request.user,
                quantity=form.cleaned_data["quantity"],
                now=now,
                language=translation.get_language(),
            )
        except EnrolmentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Your quote %(reference)s is ready; we also emailed it to you.") % {"reference": quote.reference},
            )
            return redirect("organisations:quote", organisation.public_id, quote.reference)

    quantity = _typed_quantity(form)
    context |= {
        "form": form,
        "tier": tier,
        "quantity": quantity,
        "total_excl_tax": tier.amount_excl_tax * quantity,
        "total_incl_tax": tier.amount_incl_tax * quantity,
        "valid_days": settings.COMPANY_QUOTE_VALID_DAYS,
    }
    return render(request, "enrolments/organisations/buy.html", context)


def _quote(organisation: Organisation, reference: str) -> Quote:
    queryset = Quote.objects.select_related("session__course", "session__venue", "requested_by", "accepted_by")
    return organisation_object(queryset, organisation, reference=reference)


@manager_required
@require_safe
def quote_detail(request: HttpRequest, organisation: Organisation, reference: str) -> HttpResponse:
    """The quote: its line, validity and PDF; the Accept button while it may be accepted; then the agreement."""
    quote = _quote(organisation, reference)
    agreement = Agreement.objects.select_related("order").filter(quote=quote).first()
    past_validity = quote.status == QuoteStatus.ISSUED and quote.valid_until < timezone.localdate()
    context = {
        "organisation": organisation,
        "quote": quote,
        "course": queries.localized_course(quote.session, translation.get_language()),
        "agreement": agreement,
        "order": agreement.order if agreement else None,
        "can_accept": quote.status == QuoteStatus.ISSUED and not past_validity,
        "past_validity": past_validity,
    }
    return render(request, "enrolments/organisations/quote.html", context)


@manager_required
@require_POST
def quote_accept(request: HttpRequest, organisation: Organisation, reference: str) -> HttpResponse:
    """Accept the quote: the places are reserved, then on to the order to pay. A refusal shows on the quote."""
    quote = _quote(organisation, reference)
    try:
        order = quote_services.quote_accept(quote=quote, by=request.user)
    except EnrolmentError as error:
        messages.error(request, error.message)
        return redirect("organisations:quote", organisation.public_id, quote.reference)
    messages.success(request, _("The places are reserved. Choose how to pay to confirm them."))
    return redirect("organisations:order", organisation.public_id, order.reference)


@manager_required
@require_safe
@cache_control(private=True, no_store=True)
def quote_pdf(request: HttpRequest, organisation: Organisation, reference: str) -> HttpResponse:
    quote = _quote(organisation, reference)
    return pdf_response(render_quote(quote), filename=f"{quote.reference}.pdf")


@manager_required
@require_safe
@cache_control(private=True, no_store=True)
def agreement_pdf(request: HttpRequest, organisation: Organisation, reference: str) -> HttpResponse:
    agreement = organisation_object(Agreement.objects.select_related("order"), organisation, reference=reference)
    return pdf_response(render_agreement(agreement), filename=f"{agreement.reference}.pdf")
