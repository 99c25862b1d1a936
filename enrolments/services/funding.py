"""Quote requests: the learner asks their employer or a funder to pay instead of paying themselves.

No place is held: the request is recorded and emailed (to the employer when
an address is given, always to the enrolment staff), who follow up with a
quote, then a training agreement or a funder's invoice.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.availability import SessionState
from courses.models import Session
from enrolments import emails
from enrolments.models import FundingRequest, FundingRequestKind
from enrolments.services.errors import EnrolmentRefused

# A quote makes sense while the session is still ahead and not cancelled;
# a full session may free places, and an employer may ask before enrolment opens.
QUOTE_STATES = (SessionState.UPCOMING, SessionState.OPEN, SessionState.FULL)


def funding_request_create(
    *,
    session: Session,
    requester,
    kind: str,
    organisation_name: str,
    contact_email: str,
    message: str,
    now: dt.datetime | None = None,
) -> FundingRequest:
    """Record a quote request for ``session`` and queue its emails.

    The employer gets the request when ``contact_email`` is given (it is
    required for an employer); the enrolment staff always get it. Raises
    ``EnrolmentRefused`` with a message for the person when the request
    cannot be made.
    """
    now = now or timezone.now()
    organisation_name = organisation_name.strip()
    contact_email = contact_email.strip()
    if kind not in FundingRequestKind.values:
        raise EnrolmentRefused(_("Choose who should receive the quote: your employer or a funder."))
    if not organisation_name:
        raise EnrolmentRefused(_("Please give the name of the employer or funder."))
    if kind == FundingRequestKind.EMPLOYER and not contact_email:
        raise EnrolmentRefused(_("Please give the email address of the person at your employer who approves training."))
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError as error:
            raise EnrolmentRefused(_("Please give a valid email address.")) from error
    if session.state(now) not in QUOTE_STATES:
        raise EnrolmentRefused(_("This session no longer takes enrolments."))

    with transaction.atomic():
        request = FundingRequest.objects.create(
            session=session,
            requester=requester,
            kind=kind,
            organisation_name=organisation_name,
            contact_email=contact_email,
            message=message.strip(),
        )
        # notify() enqueues on commit: nothing is sent if the row is rolled back.
        if kind == FundingRequestKind.EMPLOYER and contact_email:
            emails.notify("funding_request_employer", request.pk)
        emails.notify("funding_request_staff", request.pk)
    return request
