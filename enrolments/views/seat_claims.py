"""Employees taking the seat their employer booked: the claim link of an invitation, or a single-use code.

Access policy: the claim link is the secret (anyone holding it sees which
course the seat is for; only the invited address can claim it, once signed
in). A link that is unknown, reassigned or revoked gets a friendly 404 page.
The code form needs a signed-in person. Both enrol the person, then lead to
their space.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from courses.calendar import CourseLink, course_links
from enrolments.forms.seats import RedeemCodeForm
from enrolments.models import Seat, SeatStatus
from enrolments.selectors_legal import LegalTextMissing, current_legal_texts
from enrolments.services.errors import EnrolmentError
from enrolments.services.seats import (
    NAMED_SEAT_STATUSES,
    USABLE_ORDER_STATUSES,
    SeatNotFound,
    email_matches,
    seat_claim,
    seat_code_redeem,
)

HOME = "dashboard:home"


def _language() -> str:
    return translation.get_supported_language_variant(translation.get_language() or settings.LANGUAGE_CODE)


def _course(request: HttpRequest, session) -> CourseLink:
    links = course_links(course_ids=[session.course_id], request=request, language=_language())
    return links.get(session.course_id, CourseLink(title=session.code, url=None))


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "enrolments/seats/claim_invalid.html", status=404)


def _with_next(url_name: str, request: HttpRequest) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"


@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation's link: what the seat is; sign up or log in; then "Claim my place" (POST)."""
    seat = (
        Seat.objects.select_related("organisation", "order", "session", "session__venue")
        .filter(token=token, status__in=NAMED_SEAT_STATUSES, order__status__in=USABLE_ORDER_STATUSES)
        .first()
    )
    if seat is None:
        return _invalid(request)
    user = request.user
    if seat.status == SeatStatus.CLAIMED:
        if user.is_authenticated and seat.holder_id == user.pk:
            messages.info(request, _("You already claimed this place: here it is in your enrolments."))
            return redirect(HOME)
        return _invalid(request)
    if not user.is_authenticated:
        if request.method == "POST":
            return redirect(_with_next("account_login", request))
        return _page(request, seat)
    error = ""
    if request.method == "POST":
        try:
            seat_claim(token=token, user=user)
        except SeatNotFound:
            return _invalid(request)
        except EnrolmentError as refused:
            error = refused.message
        else:
            messages.success(request, _("Your place is confirmed. Welcome aboard!"))
            return redirect(HOME)
    return _page(request, seat, error=error)


def _page(request: HttpRequest, seat: Seat, *, error: str = "") -> HttpResponse:
    user = request.user
    try:
        rules = current_legal_texts()["internal_rules"]
    except LegalTextMissing:
        rules = None
    context = {
        "seat": seat,
        "session": seat.session,
        "course": _course(request, seat.session),
        "organisation_name": seat.organisation.name,
        "anonymous": not user.is_authenticated,
        "signup_url": _with_next("account_signup", request),
        "login_url": _with_next("account_login", request),
        "wrong_account": user.is_authenticated and not email_matches(user, seat.email),
        "rules": rules,
        "rules_body": rules.body(_language()) if rules else "",
        "error": error,
    }
    return render(request, "enrolments/seats/claim.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def redeem(request: HttpRequest) -> HttpResponse:
    """The single-use code form (``?session=`` and ``?code=`` prefill it); a valid code enrols the person."""
    if request.method == "POST":
        form = RedeemCodeForm(request.POST)
        if form.is_valid():
            try:
                seat_code_redeem(
                    code=form.cleaned_data["code"],
                    user=request.user,
                    session_code=form.cleaned_data["session"] or None,
                )
            except EnrolmentError as error:
                form.add_error("code", error.message)
            else:
                messages.success(request, _("Your place is confirmed. Welcome aboard!"))
                return redirect(HOME)
    else:
        form = RedeemCodeForm(initial={"code": request.GET.get("code", ""), "session": request.GET.get("session", "")})
    return render(request, "enrolments/seats/redeem.html", {"form": form})
