"""Who may use the enrolment flow, and the pages shown when a session cannot be enrolled in.

Every step needs a signed-in person; the steps before a place is held also
need the name and postal address the training contract carries.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from courses.models import Session


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous people go to sign in (or sign up), then come back to this very step."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            messages.info(request, _("Please sign in, or create an account, to enrol in a course."))
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def ready_to_enrol(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, with a complete legal profile; otherwise to the profile form, then back here."""

    @signed_in
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_legal_profile:
            messages.warning(
                request, _("Your training contract needs your name and postal address: please complete your profile.")
            )
            url = reverse("account_profile:edit") + "?" + urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(url)
        return view(request, *args, **kwargs)

    return wrapper


def session_unavailable(request: HttpRequest, session: Session, state) -> HttpResponse:
    """A clear page for a session one cannot enrol in now (upcoming, closed, running, finished, cancelled)."""
    return render(request, "enrolments/flow/unavailable.html", {"session": session, "state": state})


def legal_texts_unavailable(request: HttpRequest, session: Session | None = None) -> HttpResponse:
    """Enrolment waits for staff to publish the terms of sale and internal rules (503: temporary)."""
    return render(request, "enrolments/flow/legal_texts_missing.html", {"session": session}, status=503)
