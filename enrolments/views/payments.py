"""The payment provider's side doors: Stripe's webhook and the dummy backend's checkout and invoice pages.

Both are mounted without a language prefix (``/payments/…``).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from enrolments.documents.formatting import money
from enrolments.models import Organisation, WebhookEvent
from enrolments.payments import get_backend
from enrolments.payments.base import InvalidWebhook, PaymentError, WebhookEventData
from enrolments.payments.dummy import OUTCOMES
from enrolments.services.charging import sync_payment
from enrolments.services.company_settlement import report_invoice_payment_failed, sync_provider_invoice
from enrolments.services.errors import EnrolmentError
from enrolments.services.fulfilment import fulfil_checkout
from enrolments.services.refunds import sync_refunds
from enrolments.views.organisation_access import is_manager

logger = logging.getLogger(__name__)


# --- Stripe webhook ---------------------------------------------------------------------------


def _checkout_changed(event: WebhookEventData) -> None:
    fulfil_checkout(checkout_id=event.object_id, backend_name="stripe")


def _payment_changed(event: WebhookEventData) -> None:
    sync_payment(payment_id=event.object_id, backend_name="stripe")


def _charge_refunded(event: WebhookEventData) -> None:
    payment = event.data.get("payment_intent")
    payment_id = payment.get("id") if isinstance(payment, dict) else payment
    if payment_id:
        sync_refunds(payment_id=payment_id, backend_name="stripe")


def _invoice_changed(event: WebhookEventData) -> None:
    sync_provider_invoice(invoice_id=event.object_id, backend_name="stripe")


def _invoice_payment_failed(event: WebhookEventData) -> None:
    report_invoice_payment_failed(invoice_id=event.object_id, backend_name="stripe")


# Every handler reads the object's current state from Stripe: events come in any order.
WEBHOOK_HANDLERS: dict[str, Callable[[WebhookEventData], None]] = {
    "checkout.session.completed": _checkout_changed,
    "checkout.session.async_payment_succeeded": _checkout_changed,
    "checkout.session.async_payment_failed": _checkout_changed,
    "checkout.session.expired": _checkout_changed,
    "payment_intent.succeeded": _payment_changed,
    "payment_intent.payment_failed": _payment_changed,
    "charge.refunded": _charge_refunded,
    "invoice.paid": _invoice_changed,
    "invoice.marked_uncollectible": _invoice_changed,
    "invoice.payment_failed": _invoice_payment_failed,
}


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events. Open to Stripe only: the signature proves the sender."""
    try:
        event = get_backend("stripe").parse_webhook(body=request.body, headers=dict(request.headers))
    except InvalidWebhook as error:
        logger.warning("stripe webhook refused", extra={"error": str(error)})
        return HttpResponseBadRequest("invalid signature")
    handler = WEBHOOK_HANDLERS.get(event.type)
    if handler is None:
        return HttpResponse("ignored")
    try:
        with transaction.atomic():
            try:
                # Its own savepoint: a duplicate (replay, or the same event delivered
                # twice at once) fails here, on the unique event id, and changes nothing.
                with transaction.atomic():
                    WebhookEvent.objects.create(provider="stripe", event_id=event.id, type=event.type)
            except IntegrityError:
                return HttpResponse("already handled")
            try:
                with transaction.atomic():
                    handler(event)
            except PaymentError as error:
                if error.code != "resource_missing":
                    raise
                # Stripe does not know the object (another account or mode): retrying cannot help.
                logger.warning("stripe webhook about a missing object", extra={"event_id": event.id})
            except EnrolmentError as error:
                # A refusal (e.g. the place went while the card was given): retrying cannot help.
                logger.warning(
                    "stripe webhook refused by the enrolment rules",
                    extra={"event_id": event.id, "type": event.type, "error": str(error.message)},
                )
    except PaymentError as error:
        # Stripe could not be asked for the current state (outage, configuration):
        # nothing is recorded and Stripe delivers the event again later.
        logger.warning("stripe webhook postponed", extra={"event_id": event.id, "error": str(error)})
        return HttpResponse("retry later", status=503)
    logger.info("stripe webhook handled", extra={"event_id": event.id, "type": event.type})
    return HttpResponse("ok")


# --- the dummy backend's checkout page --------------------------------------------------------


def _page_language(request: HttpRequest, details: dict) -> str:
    """No language prefix here: the checkout's own language, else the visitor's cookie."""
    languages = dict(settings.LANGUAGES)
    for candidate in (details["metadata"].get("language"), request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)):
        if candidate in languages:
            return candidate
    return settings.LANGUAGE_CODE


def _may_pay(request: HttpRequest, details: dict) -> bool:
    """The person the checkout was opened for, a manager of the organisation paying, or staff."""
    if request.user.is_staff or details["customer_email"].lower() == request.user.email.lower():
        return True
    try:
        public_id = uuid.UUID(details["metadata"].get("organisation", ""))
    except ValueError:
        return False
    organisation = Organisation.objects.filter(public_id=public_id).first()
    return organisation is not None and is_manager(request.user, organisation)


@login_required
@require_http_methods(["GET", "POST"])
def dummy_checkout(request: HttpRequest, object_id: str) -> HttpResponse:
    """The fake hosted checkout: only with the dummy backend, only for the person it was opened for."""
    if settings.PAYMENT_BACKEND != "dummy":
        raise Http404
    backend = get_backend("dummy")
    try:
        details = backend.checkout_details(object_id)
    except PaymentError:
        raise Http404 from None
    if not _may_pay(request, details):
        raise Http404
    with translation.override(_page_language(request, details)):
        error = ""
        if request.method == "POST":
            outcome = request.POST.get("outcome")
            if outcome not in OUTCOMES:
                error = "choose"
            else:
                if details["status"] == "open":
                    details["status"] = backend.complete_checkout(object_id, outcome).status
                if details["status"] == "complete":
                    try:
                        fulfil_checkout(checkout_id=object_id, backend_name="dummy")
                    except EnrolmentError as refusal:
                        # The return page asks again and shows the message to the learner.
                        logger.info("dummy checkout refused", extra={"checkout_id": object_id, "error": str(refusal)})
                    return redirect(details["success_url"])
                error = "declined" if details["status"] == "open" else ""
        amount = money(Decimal(details["amount"]), details["currency"]) if details["mode"] == "payment" else ""
        return render(
            request,
            "enrolments/payments/dummy_checkout.html",
            {"checkout": details, "amount": amount, "object_id": object_id, "error": error},
            status=400 if error == "choose" else 200,
        )


# --- the dummy backend's hosted invoice page ----------------------------------------------------


@require_http_methods(["GET", "POST"])
def dummy_invoice(request: HttpRequest, object_id: str) -> HttpResponse:
    """The fake hosted invoice: anyone holding its link, like a provider's hosted invoice page.

    Only with the dummy backend. Its button simulates the customer's bank
    transfer arriving, then runs the same reconciliation as the webhook.
    """
    if settings.PAYMENT_BACKEND != "dummy":
        raise Http404
    backend = get_backend("dummy")
    try:
        details = backend.invoice_details(object_id)
    except PaymentError:
        raise Http404 from None
    with translation.override(_page_language(request, details)):
        error = ""
        if request.method == "POST":
            if request.POST.get("action") != "transfer":
                error = "choose"
            elif details["status"] == "open":
                backend.pay_invoice(object_id)
                with transaction.atomic():
                    sync_provider_invoice(invoice_id=object_id, backend_name="dummy")
                return redirect("payments:dummy_invoice", object_id=object_id)
        currency = details["currency"]
        lines = [
            {
                "description": line["description"],
                "quantity": line["quantity"],
                "unit_amount": money(Decimal(line["unit_amount"]), currency),
                "total": money(Decimal(line["unit_amount"]) * line["quantity"], currency),
            }
            for line in details["lines"]
        ]
        return render(
            request,
            "enrolments/payments/dummy_invoice.html",
            {
                "invoice": details,
                "object_id": object_id,
                "lines": lines,
                "amount_due": money(Decimal(details["amount_due"]), currency),
                "due_date": dt.date.fromisoformat(details["due_date"]) if details.get("due_date") else None,
                "error": error,
            },
            status=400 if error else 200,
        )
