"""The learner's documents: training contracts, invoices, credit notes and certificates, as PDFs.

Access policy: signed-in people only; a contract is served to its learner,
an invoice to its order's buyer, and the certificates to the learner of a
completed enrolment. Anything else is a 404, never a 403,
so nobody learns which documents exist.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from enrolments.models import Enrolment, EnrolmentStatus, Invoice
from enrolments.selectors import CONTRACT_STATUSES, learner_documents


def render_contract(enrolment: Enrolment) -> bytes:
    """The training contract PDF (the documents helper's renderer, imported when needed: WeasyPrint is heavy)."""
    from enrolments.documents.pdf import contract_pdf

    return contract_pdf(enrolment)


def render_invoice(invoice: Invoice) -> bytes:
    """The invoice or credit note PDF, as issued."""
    from enrolments.documents.pdf import invoice_pdf

    return invoice_pdf(invoice)


def render_certificate(enrolment: Enrolment) -> bytes:
    """The certificate of completion (L6353-1), in the learner's language."""
    from enrolments.documents.certificates import certificate_pdf

    return certificate_pdf(enrolment)


def render_realisation(enrolment: Enrolment) -> bytes:
    """The certificate of attendance (certificat de réalisation), in the learner's language."""
    from enrolments.documents.certificates import realisation_pdf

    return realisation_pdf(enrolment)


def pdf_response(body: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    # Shown in the browser, saved under a meaningful name.
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
@require_safe
def documents(request: HttpRequest) -> HttpResponse:
    """``/mon-espace/documents/``: every contract and invoice of the person, and each session's .ics."""
    contracts, invoices = learner_documents(user=request.user, request=request)
    return render(request, "enrolments/dashboard/documents.html", {"contracts": contracts, "invoices": invoices})


@login_required
@require_safe
@cache_control(private=True, no_store=True)
def contract(request: HttpRequest, public_id) -> HttpResponse:
    queryset = Enrolment.objects.select_related("session", "order", "learner", "terms", "internal_rules")
    enrolment = get_object_or_404(
        queryset,
        public_id=public_id,
        learner=request.user,
        status__in=CONTRACT_STATUSES,
        confirmed_at__isnull=False,
        # An employee's place is under their employer's training agreement, not an individual contract.
        order__organisation__isnull=True,
    )
    return pdf_response(render_contract(enrolment), filename=f"contrat-{enrolment.session.code}.pdf")


@login_required
@require_safe
@cache_control(private=True, no_store=True)
def invoice(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(Invoice.objects.select_related("order"), pk=pk, order__buyer=request.user)
    return pdf_response(render_invoice(document), filename=f"{document.number}.pdf")


def _completed_enrolment(request: HttpRequest, public_id) -> Enrolment:
    queryset = Enrolment.objects.select_related("session", "learner")
    return get_object_or_404(queryset, public_id=public_id, learner=request.user, status=EnrolmentStatus.COMPLETED)


@login_required
@require_safe
@cache_control(private=True, no_store=True)
def certificate(request: HttpRequest, public_id) -> HttpResponse:
    enrolment = _completed_enrolment(request, public_id)
    return pdf_response(render_certificate(enrolment), filename=f"attestation-{enrolment.session.code}.pdf")


@login_required
@require_safe
@cache_control(private=True, no_store=True)
def realisation(request: HttpRequest, public_id) -> HttpResponse:
    enrolment = _completed_enrolment(request, public_id)
    return pdf_response(render_realisation(enrolment), filename=f"certificat-realisation-{enrolment.session.code}.pdf")
