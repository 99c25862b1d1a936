"""An organisation's space for its managers: orders and seats, documents, certificates, calendar feed.

Access policy: every view is for the organisation's active managers only
(``manager_required``: anyone else gets a 404, an anonymous visitor the login
page). Invoices are looked up among the organisation's own orders and
certificates among the enrolments of its seats, so changing an id in the
URL never reaches another organisation's document, nor a manager's own
individual invoice. Anything not found is a 404, never a 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST, require_safe

from enrolments.models import Organisation
from enrolments.models.organisations import new_calendar_token
from enrolments.selectors_organisations import (
    organisation_completed_enrolment,
    organisation_documents,
    organisation_invoice,
    organisation_overview,
)
from enrolments.views.documents import pdf_response, render_certificate, render_invoice, render_realisation
from enrolments.views.organisation_access import manager_required
from enrolments.views.organisation_feed import organisation_feed_url


@manager_required
@require_safe
def overview(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """Orders, open quotes, seats per session, employees' completion, and the calendar feed's address."""
    context = {
        "organisation": organisation,
        "overview": organisation_overview(organisation=organisation, request=request),
        "feed_url": organisation_feed_url(request, organisation),
    }
    return render(request, "enrolments/organisations/overview.html", context)


@manager_required
@require_safe
def documents(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """Quotes, training agreements, invoices and credit notes (with Stripe's online invoice when there is one)."""
    context = {
        "organisation": organisation,
        "documents": organisation_documents(organisation=organisation, request=request),
    }
    return render(request, "enrolments/organisations/documents.html", context)


@manager_required
@require_safe
@cache_control(private=True, no_store=True)
def invoice_pdf(request: HttpRequest, organisation: Organisation, pk: int) -> HttpResponse:
    """An invoice or credit note of one of the organisation's orders, as issued."""
    invoice = organisation_invoice(organisation=organisation, pk=pk)
    if invoice is None:
        raise Http404("No such invoice for this organisation.")
    return pdf_response(render_invoice(invoice), filename=f"{invoice.number}.pdf")


@manager_required
@require_safe
@cache_control(private=True, no_store=True)
def certificate_pdf(request: HttpRequest, organisation: Organisation, enrolment) -> HttpResponse:
    """The certificate of completion of an employee who completed the course in one of the organisation's seats."""
    found = organisation_completed_enrolment(organisation=organisation, public_id=enrolment)
    if found is None:
        raise Http404("No completed course in this organisation's seats.")
    return pdf_response(render_certificate(found), filename=f"attestation-{found.session.code}.pdf")


@manager_required
@require_safe
@cache_control(private=True, no_store=True)
def realisation_pdf(request: HttpRequest, organisation: Organisation, enrolment) -> HttpResponse:
    """The certificat de réalisation (hours attended) of an employee who completed the course in a seat of it."""
    found = organisation_completed_enrolment(organisation=organisation, public_id=enrolment)
    if found is None:
        raise Http404("No completed course in this organisation's seats.")
    return pdf_response(render_realisation(found), filename=f"certificat-realisation-{found.session.code}.pdf")


@manager_required
@require_POST
def feed_regenerate(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """Give the organisation a new calendar address; the old one stops working at once."""
    organisation.calendar_token = new_calendar_token()
    organisation.save(update_fields=["calendar_token", "updated_at"])
    messages.success(
        request,
        _(
            "The organisation's calendar has a new address. Subscribe to it again in your calendar application; "
            "the old address no longer works."
        ),
    )
    return redirect(reverse("organisations:overview", kwargs={"org": organisation.public_id}) + "#calendar")
