"""Coming back from the payment page: success, cancel, and the confirmation page.

Only the enrolment's learner sees these pages; anyone else gets a 404, as if
the enrolment did not exist. No legal-profile check here: the learner
already enrolled, and must always be able to see where they stand.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from enrolments.models import EnrolmentStatus
from enrolments.payments.base import PaymentError
from enrolments.services.enrolment import enrolment_release_hold
from enrolments.services.errors import EnrolmentError
from enrolments.services.fulfilment import fulfil_checkout
from enrolments.views import enrolment_queries as queries
from enrolments.views.enrolment_access import signed_in


@signed_in
@require_GET
def checkout_return(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The provider sends the learner back here once the card is saved (``?checkout_id=``).

    The same fulfilment as the webhook runs (idempotent, from the provider's
    current state), so the confirmation does not wait for the webhook.
    """
    enrolment = queries.learner_enrolment(public_id, request.user)
    order = enrolment.order
    # The order's own checkout wins: the query string only helps if none was recorded.
    checkout_id = (order.checkout_id if order else "") or request.GET.get("checkout_id", "")
    if checkout_id and enrolment.status in (EnrolmentStatus.HELD, EnrolmentStatus.EXPIRED):
        try:
            fulfil_checkout(checkout_id=checkout_id, backend_name=order.payment_backend or None)
        except EnrolmentError as error:
            messages.error(request, error.message)
        except PaymentError:
            messages.warning(
                request,
                _("We could not reach the payment service yet: we will email you once your enrolment is confirmed."),
            )
    return redirect("enrol:confirmation", public_id=enrolment.public_id)


@signed_in
@require_GET
def checkout_cancel(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The learner left the payment page: their held place goes back to the others.

    A GET that changes state, because the provider redirects here with a GET;
    it only ever releases the learner's own hold (idempotent), so the worst a
    stray visit can do is what the hold's expiry does anyway.
    """
    enrolment = queries.learner_enrolment(public_id, request.user)
    if enrolment.status in (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED):
        return redirect("enrol:confirmation", public_id=enrolment.public_id)
    if enrolment.status == EnrolmentStatus.HELD:
        enrolment = enrolment_release_hold(enrolment=enrolment)
    return render(request, "enrolments/flow/checkout_cancelled.html", {"enrolment": enrolment})


@signed_in
@require_GET
def confirmation(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Where the enrolment stands: confirmed (documents emailed, withdrawal deadline, schedule), pending or lost."""
    enrolment = queries.learner_enrolment(public_id, request.user)
    now = timezone.now()
    context = {
        "enrolment": enrolment,
        "session": enrolment.session,
        "course": queries.localized_course(enrolment.session, translation.get_language()),
        "order": enrolment.order,
        "instalments": list(enrolment.order.instalments.all()) if enrolment.order else [],
        "hold_live": enrolment.status == EnrolmentStatus.HELD and enrolment.hold_expires_at > now,
        "confirmed": enrolment.status in (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED),
    }
    return render(request, "enrolments/flow/confirmation.html", context)
