"""The learner's personal iCalendar feed: their confirmed and completed sessions, and cancelled ones.

Access policy: the feed is reached by calendar applications, which cannot sign
in, so the secret token in its URL is the credential (``login_not_required``).
An unknown or revoked token is a 404; regenerating the token (a signed-in POST)
revokes the old URL. The feed names a person's courses: it may be cached by
their own client only (``Cache-Control: private``).

Events are those of the public session feeds (same UIDs, SEQUENCE is the
session's ``schedule_sequence``), so a subscribed calendar and an imported
session ``.ics`` update the same events.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST, require_safe

from courses.calendar import UID_DOMAIN, feed_sessions, write_calendar
from courses.models import Session
from courses.views import feed_language, ics_response
from enrolments.models import Enrolment, EnrolmentStatus, User
from enrolments.models.accounts import new_calendar_token

#: Enrolments whose session belongs in the person's calendar. A session the organiser
#: cancelled stays, as a cancelled event (same UID, STATUS:CANCELLED, SEQUENCE bumped),
#: so subscribed calendars mark it cancelled instead of keeping a stale copy.
FEED_STATUSES = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED, EnrolmentStatus.CANCELLED_BY_ORGANISER)
#: Calendar clients poll; a short private lifetime keeps changes flowing.
MAX_AGE = 300


def learner_feed_url(request: HttpRequest, user) -> str:
    """The absolute URL of ``user``'s feed, in the page's language (calendar clients send none)."""
    url = request.build_absolute_uri(reverse("learner_feeds:learner", kwargs={"token": user.calendar_token}))
    language = translation.get_language() or settings.LANGUAGE_CODE
    return url if language == settings.LANGUAGE_CODE else f"{url}?{urlencode({'lang': language})}"


def learner_calendar(*, user, request: HttpRequest, language: str) -> bytes:
    """The person's confirmed and completed sessions as one VCALENDAR.

    DTSTAMP is the latest change of those sessions rather than now, so the
    body (and its ETag) stays the same until something in it changes.
    """
    enrolled = Enrolment.objects.filter(learner=user, status__in=FEED_STATUSES).values("session_id")
    sessions = feed_sessions(queryset=Session.objects.filter(pk__in=enrolled), request=request, language=language)
    stamp = max((s.last_modified for s in sessions), default=user.date_joined)
    # Stable and not the token: the calendar stays the same one when the token is renewed.
    key = hashlib.blake2b(str(user.public_id).encode(), digest_size=12).hexdigest()
    with translation.override(language):
        name = _("My ALLyS Formation sessions")
    return write_calendar(sessions, name=name, uid=f"learner-{key}@{UID_DOMAIN}", language=language, stamp=stamp)


@login_not_required
@require_safe
@cache_control(private=True, max_age=MAX_AGE)
def learner_feed(request: HttpRequest, token: str) -> HttpResponse:
    """``/calendar/learners/<token>.ics``: the feed of the person holding this token."""
    user = User.objects.filter(calendar_token=token, is_active=True).first()
    if user is None:
        raise Http404("Unknown calendar.")
    body = learner_calendar(user=user, request=request, language=feed_language(request))
    etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
    response = ics_response(body, filename="mes-formations-allys.ics")
    response["ETag"] = etag
    response["X-Robots-Tag"] = "noindex"
    return get_conditional_response(request, etag=etag, response=response)


@login_required
@require_POST
def regenerate_token(request: HttpRequest) -> HttpResponse:
    """Give the person a new feed URL; the old one stops working at once."""
    user = request.user
    user.calendar_token = new_calendar_token()
    user.save(update_fields=["calendar_token"])
    messages.success(
        request, _("Your calendar has a new address. Subscribe to it again; the old address no longer works.")
    )
    return redirect(reverse("dashboard:home") + "#calendar")
