"""Emails to people on a waitlist: a place is free for them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from enrolments.emails.rendering import ENROLMENT_PATH, Draft, email_kind, loader, site_url
from enrolments.emails.session_details import person_name, session_context, subject_course
from enrolments.models import WaitlistEntry, WaitlistStatus

load_entry = loader(WaitlistEntry.objects.select_related("person", "session__venue", "session__course"))


def person(entry: WaitlistEntry):
    return entry.person


@email_kind("waitlist_offer", load=load_entry, person=person)
def waitlist_offer(entry: WaitlistEntry, language: str) -> Draft | None:
    """A place is kept for this person until the offer expires; a link to enrol."""
    if entry.status != WaitlistStatus.OFFERED:
        return None
    context = {
        **session_context(entry.session, language=language),
        "learner_name": person_name(entry.person),
        "first_name": entry.person.first_name,
        "offer_expires_at": entry.offer_expires_at,
        "enrolment_url": site_url(ENROLMENT_PATH.format(session_code=entry.session.code), language=language),
    }
    return Draft(
        to=[entry.person.email],
        subject=_("A place is free for you: %(course)s") % subject_course(context),
        template="waitlist_offer",
        context=context,
    )
