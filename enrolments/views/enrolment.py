"""The enrolment flow, first steps: choose who pays, then read and accept the conditions.

Accepting holds a place (``enrolment_start``) and sends the learner to the
payment provider's page, which saves their card. Quote requests, the waitlist
and the returns from the payment page live in the sibling modules.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from courses.availability import SessionState
from courses.models import Session
from enrolments.forms.enrolment import AcceptanceForm, FundingChoiceForm
from enrolments.models import Enrolment, EnrolmentStatus, Funding
from enrolments.payments.base import PaymentError
from enrolments.selectors_legal import LegalTextMissing, current_legal_texts
from enrolments.services.enrolment import enrolment_start, free_place_allowed, starts_within_withdrawal_period
from enrolments.services.errors import EnrolmentError, SessionFull
from enrolments.services.fulfilment import start_card_checkout
from enrolments.views import enrolment_queries as queries
from enrolments.views.enrolment_access import legal_texts_unavailable, ready_to_enrol, session_unavailable
from enrolments.views.enrolment_context import conditions_url, planned_schedule, session_context


def start_checkout(request: HttpRequest, enrolment: Enrolment) -> str:
    """The payment provider's page for this hold."""
    # {CHECKOUT_SESSION_ID} is filled in by the provider (Stripe and the dummy alike).
    success_url = request.build_absolute_uri(reverse("enrol:return", args=[enrolment.public_id]))
    cancel_url = request.build_absolute_uri(reverse("enrol:cancel", args=[enrolment.public_id]))
    return start_card_checkout(
        enrolment=enrolment,
        success_url=success_url + "?checkout_id={CHECKOUT_SESSION_ID}",
        cancel_url=cancel_url,
        language=translation.get_language(),
    )


def enrolment_gate(request: HttpRequest, session: Session, now: dt.datetime) -> HttpResponse | None:
    """A response when this person cannot start enrolling in ``session`` now, else None.

    Already enrolled: their enrolment. Full: the waitlist, unless a place is
    kept for them (a waitlist offer) or they hold one. Not open: a clear page.
    """
    enrolment = queries.live_enrolment(session, request.user, now)
    if enrolment is not None and enrolment.status != EnrolmentStatus.HELD:
        return render(request, "enrolments/flow/already_enrolled.html", {"session": session, "enrolment": enrolment})
    state = session.state(now)
    if state == SessionState.OPEN or enrolment is not None:
        return None
    if state == SessionState.FULL:
        if queries.has_live_offer(queries.live_waitlist_entry(session, request.user), now):
            return None
        return redirect("enrol:waitlist", code=session.code)
    return session_unavailable(request, session, state)


@ready_to_enrol
@require_http_methods(["GET", "POST"])
def choose_funding(request: HttpRequest, code: str) -> HttpResponse:
    """Step 1: who pays. Self-funded and free places go on to the conditions; employers and funders get a quote."""
    session = queries.session_for_flow(code)
    now = timezone.now()
    if (refused := enrolment_gate(request, session, now)) is not None:
        return refused
    allow_free = free_place_allowed(request.user.email) and queries.price_tier(session, Funding.FREE) is not None
    form = FundingChoiceForm(
        request.POST if request.method == "POST" else None,
        allow_free=allow_free,
        initial={"funding": request.GET.get("funding")},
    )
    if request.method == "POST" and form.is_valid():
        funding = form.cleaned_data["funding"]
        if funding in (Funding.SELF, Funding.FREE):
            return HttpResponseRedirect(conditions_url(session, funding))
        url = reverse("enrol:quote", args=[session.code])
        return HttpResponseRedirect(f"{url}?{urlencode({'kind': funding})}")
    context = session_context(session, now) | {
        "form": form,
        "offer": queries.live_waitlist_entry(session, request.user),
        "self_tier": queries.price_tier(session, Funding.SELF),
    }
    return render(request, "enrolments/flow/choose.html", context)


@ready_to_enrol
@require_http_methods(["GET", "POST"])
def conditions(request: HttpRequest, code: str) -> HttpResponse:
    """Step 2 (L6353-8): everything the learner must see before anything binds, and the acceptances.

    A valid POST holds a place and redirects to the payment page (a free
    place is confirmed at once). A refusal is shown on this page.
    """
    session = queries.session_for_flow(code)
    now = timezone.now()
    if (refused := enrolment_gate(request, session, now)) is not None:
        return refused
    funding = request.POST.get("funding") or request.GET.get("funding") or Funding.SELF
    if funding not in (Funding.SELF, Funding.FREE) or (
        funding == Funding.FREE and not free_place_allowed(request.user.email)
    ):
        messages.error(request, _("Please choose who pays for this training."))
        return redirect("enrol:choose", code=session.code)
    tier = queries.price_tier(session, funding)
    if tier is None:
        messages.error(request, _("This session has no price for this kind of enrolment; please contact us."))
        return redirect("enrol:choose", code=session.code)
    try:
        texts = current_legal_texts(now=now)
    except LegalTextMissing:
        return legal_texts_unavailable(request, session)
    terms, rules = texts["terms_of_sale"], texts["internal_rules"]
    early = funding == Funding.SELF and starts_within_withdrawal_period(session, now)
    initial = {"funding": funding, "terms_id": terms.pk, "internal_rules_id": rules.pk}
    form = AcceptanceForm(
        request.POST if request.method == "POST" else None, initial=initial, early_start_required=early
    )

    if request.method == "POST" and form.is_valid():
        if (form.cleaned_data["terms_id"], form.cleaned_data["internal_rules_id"]) != (terms.pk, rules.pk):
            # A new version was published while the page was open: accept only what was read.
            messages.warning(request, _("The terms have just been updated. Please read them again and confirm."))
            form = AcceptanceForm(initial=initial, early_start_required=early)
        else:
            try:
                enrolment = enrolment_start(
                    session=session,
                    learner=request.user,
                    funding=funding,
                    terms=terms,
                    internal_rules=rules,
                    early_start_consent=form.cleaned_data.get("early_start_consent", False),
                    now=now,
                )
            except SessionFull as error:
                messages.error(request, error.message)
                return redirect("enrol:waitlist", code=session.code)
            except EnrolmentError as error:
                messages.error(request, error.message)
            else:
                return _after_hold(request, enrolment)

    held = queries.live_enrolment(session, request.user, now)
    context = session_context(session, now) | {
        "form": form,
        "funding": funding,
        "tier": tier,
        "terms": terms,
        "terms_body": terms.body(translation.get_language()),
        "rules": rules,
        "rules_body": rules.body(translation.get_language()),
        "early_start_required": early,
        "held": held if held and held.status == EnrolmentStatus.HELD else None,
        "planned": planned_schedule(session, tier.amount_incl_tax, now) if funding == Funding.SELF else [],
    }
    return render(request, "enrolments/flow/conditions.html", context)


def _after_hold(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    """A free place is confirmed already; otherwise on to the card page while the place is held."""
    if enrolment.status == EnrolmentStatus.CONFIRMED:
        return redirect("enrol:confirmation", public_id=enrolment.public_id)
    try:
        url = start_checkout(request, enrolment)
    except EnrolmentError as error:
        messages.error(request, error.message)
        return redirect("enrol:choose", code=enrolment.session.code)
    except PaymentError:
        messages.error(
            request,
            _("The payment service is not answering. Your place stays held for a few minutes: please try again."),
        )
        return HttpResponseRedirect(conditions_url(enrolment.session, enrolment.order.funding))
    return HttpResponseRedirect(url)
