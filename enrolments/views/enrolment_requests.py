"""The enrolment flow without a held place: quote requests (employer, funder) and the waitlist."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from courses.availability import SessionState
from enrolments.forms.enrolment import FundingRequestForm
from enrolments.models import EnrolmentStatus, FundingRequest, FundingRequestKind
from enrolments.services.errors import EnrolmentError
from enrolments.services.funding import QUOTE_STATES, funding_request_create
from enrolments.services.waitlist import waitlist_join, waitlist_leave
from enrolments.views import enrolment_queries as queries
from enrolments.views.enrolment_access import ready_to_enrol, session_unavailable
from enrolments.views.enrolment_context import conditions_url, session_context


@ready_to_enrol
@require_http_methods(["GET", "POST"])
def quote_request(request: HttpRequest, code: str) -> HttpResponse:
    """Ask an employer (who gets the request by email) or a funder (through the staff) to pay."""
    session = queries.session_for_flow(code)
    now = timezone.now()
    state = session.state(now)
    if state not in QUOTE_STATES:
        return session_unavailable(request, session, state)
    kind = request.GET.get("kind")
    initial = {
        "kind": kind if kind in FundingRequestKind.values else None,
        "organisation_name": request.user.employer_name if kind == FundingRequestKind.EMPLOYER else "",
    }
    form = FundingRequestForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            funding_request_create(session=session, requester=request.user, **form.cleaned_data, now=now)
        except EnrolmentError as error:
            messages.error(request, error.message)
        else:
            return redirect("enrol:quote_sent", code=session.code)
    return render(request, "enrolments/flow/quote_request.html", session_context(session, now) | {"form": form})


@ready_to_enrol
@require_GET
def quote_sent(request: HttpRequest, code: str) -> HttpResponse:
    """What happens next, after the learner's latest quote request for this session."""
    session = queries.session_for_flow(code)
    funding_request = FundingRequest.objects.filter(session=session, requester=request.user).first()
    if funding_request is None:
        return redirect("enrol:quote", code=session.code)
    return render(
        request,
        "enrolments/flow/quote_sent.html",
        session_context(session, timezone.now()) | {"funding_request": funding_request},
    )


@ready_to_enrol
@require_http_methods(["GET", "POST"])
def waitlist(request: HttpRequest, code: str) -> HttpResponse:
    """A full session: join its waitlist, see one's place in it, or enrol when a place is kept for you.

    POST ``action=join`` or ``action=leave`` changes it, then shows this page again.
    """
    session = queries.session_for_flow(code)
    if request.method == "POST":
        return _change_waitlist(request, session)
    now = timezone.now()
    enrolment = queries.live_enrolment(session, request.user, now)
    if enrolment is not None and enrolment.status != EnrolmentStatus.HELD:
        return render(request, "enrolments/flow/already_enrolled.html", {"session": session, "enrolment": enrolment})
    if enrolment is not None:
        # Their own hold makes the session look full: they go on with it instead.
        return HttpResponseRedirect(conditions_url(session, enrolment.order.funding))
    entry = queries.live_waitlist_entry(session, request.user)
    state = session.state(now)
    if state not in (SessionState.FULL, SessionState.OPEN) and entry is None:
        return session_unavailable(request, session, state)
    context = session_context(session, now) | {
        "entry": entry,
        "offer": queries.has_live_offer(entry, now),
        "position": queries.waitlist_position(entry) if entry and not queries.has_live_offer(entry, now) else None,
    }
    return render(request, "enrolments/flow/waitlist.html", context)


def _change_waitlist(request: HttpRequest, session) -> HttpResponse:
    action = request.POST.get("action")
    try:
        if action == "join":
            waitlist_join(session=session, person=request.user)
            messages.success(request, _("You are on the waitlist. We will email you as soon as a place is free."))
        elif action == "leave":
            entry = queries.live_waitlist_entry(session, request.user)
            if entry is not None:
                waitlist_leave(entry=entry)
            messages.success(request, _("You have left the waitlist."))
        else:
            messages.error(request, _("Please use the buttons of this page."))
    except EnrolmentError as error:
        messages.error(request, error.message)
    return redirect("enrol:waitlist", code=session.code)
