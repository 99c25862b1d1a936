"""An organisation's iCalendar feed: the sessions it bought seats in, for its managers' calendars.

Access policy: calendar applications cannot sign in, so the secret token in
the URL is the credential (``login_not_required``). An unknown or revoked
token is a 404; a manager regenerating the token (``organisation_dashboard.
feed_regenerate``) revokes the old URL at once. Calendar URLs leak (shared
calendars, proxies, logs), so the feed names no employee: each event says the
course, the session code, the place and how many seats the organisation has.
It may be cached by the subscriber's own client only (``Cache-Control: private``).

Events are those of the public session feeds (same UIDs; SEQUENCE is the
session's ``schedule_sequence``), so this feed, an employee's own feed and a
downloaded session ``.ics`` update the same events. A session the organiser
cancelled stays, as a cancelled event, so subscribed calendars mark it.
"""

from __future__ import annotations

import dataclasses
import hashlib

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from courses.calendar import UID_DOMAIN, feed_sessions, write_calendar
from courses.models import Session, SessionStatus
from courses.views import feed_language, ics_response
from enrolments.models import Order, OrderStatus, Organisation
from enrolments.selectors_organisations import LIVE_ORDER_STATUSES

#: Calendar clients poll; a short private lifetime keeps changes flowing (as the learner feed).
MAX_AGE = 300


def organisation_feed_url(request: HttpRequest, organisation: Organisation) -> str:
    """The absolute URL of the organisation's feed, in the page's language (calendar clients send none)."""
    path = reverse("learner_feeds:organisation", kwargs={"token": organisation.calendar_token})
    url = request.build_absolute_uri(path)
    language = translation.get_language() or settings.LANGUAGE_CODE
    return url if language == settings.LANGUAGE_CODE else f"{url}?{urlencode({'lang': language})}"


def _seats_by_session(organisation: Organisation) -> dict[tuple[int, str], int]:
    """Places bought per session (id, code): live orders, and the orders of sessions the organiser cancelled.

    An order the session's cancellation ended still shows (as a cancelled
    event), so the managers' calendars learn the session will not run.
    """
    cancelled_session = Q(status=OrderStatus.CANCELLED, session__status=SessionStatus.CANCELLED)
    rows = (
        Order.objects.filter(organisation=organisation)
        .filter(Q(status__in=LIVE_ORDER_STATUSES) | cancelled_session)
        .order_by()
        .values("session_id", "session__code")
        .annotate(places=Sum("quantity"))
        .values_list("session_id", "session__code", "places")
    )
    return {(session_id, code): places for session_id, code, places in rows}


def organisation_calendar(*, organisation: Organisation, request: HttpRequest, language: str) -> bytes:
    """The organisation's sessions as one VCALENDAR, each event saying how many seats it bought.

    DTSTAMP is the latest change of those sessions rather than now, so the
    body (and its ETag) stays the same until something in it changes.
    """
    seats = _seats_by_session(organisation)
    session_ids = [session_id for session_id, _code in seats]
    places = {code: count for (_session_id, code), count in seats.items()}
    sessions = feed_sessions(queryset=Session.objects.filter(pk__in=session_ids), request=request, language=language)
    with translation.override(language):
        events = [
            dataclasses.replace(
                events,
                summary=ngettext("%(summary)s (%(count)s seat)", "%(summary)s (%(count)s seats)", count)
                % {"summary": events.summary, "count": count},
            )
            for events in sessions
            for count in [places.get(events.code, 0)]
        ]
        name = _("ALLyS Formation sessions of %(organisation)s") % {"organisation": organisation.name}
    stamp = max((s.last_modified for s in events), default=organisation.created_at)
    # Stable and not the token: the calendar stays the same one when the token is renewed.
    key = hashlib.blake2b(str(organisation.public_id).encode(), digest_size=12).hexdigest()
    return write_calendar(events, name=name, uid=f"organisation-{key}@{UID_DOMAIN}", language=language, stamp=stamp)


@login_not_required
@require_safe
@cache_control(private=True, max_age=MAX_AGE)
def organisation_feed(request: HttpRequest, token: str) -> HttpResponse:
    """``/calendar/organisations/<token>.ics``: the feed of the organisation holding this token."""
    organisation = Organisation.objects.filter(calendar_token=token).first()
    if organisation is None:
        raise Http404("Unknown calendar.")
    body = organisation_calendar(organisation=organisation, request=request, language=feed_language(request))
    etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
    response = ics_response(body, filename="formations-allys-entreprise.ics")
    response["ETag"] = etag
    response["X-Robots-Tag"] = "noindex"
    return get_conditional_response(request, etag=etag, response=response)
