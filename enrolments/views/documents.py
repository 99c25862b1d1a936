"""The learner's documents: training contracts, invoices and credit notes, as PDFs.

Access policy: signed-in people only; a contract is served to its learner
and an invoice to its order's buyer. Anything else is a 404, never a 403,
so nobody learns which documents exist.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from enrolments.models import Enrolment, Invoice
from enrolments.selectors import CONTRACT_STATUSES, learner_documents


def render_contract(enrolment: Enrolment) -> bytes:
    """The training contract PDF (the documents helper's renderer, imported when needed: WeasyPrint is heavy)."""
    from enrolments.documents.pdf import contract_pdf

    return contract_pdf(enrolment)


def render_invoice(invoice: Invoice) -> bytes:
    """The invoice or credit note PDF, as issued."""
    from enrolments.documents.pdf import invoice_pdf

    return invoice_pdf(invoice)


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
        queryset, public_id=public_id, learner=request.user, status__in=CONTRACT_STATUSES, confirmed_at__isnull=False
    )
    return pdf_response(render_contract(enrolment), filename=f"contrat-{enrolment.session.code}.pdf")


@login_required
@require_safe
@cache_control(private=True, no_store=True)
def invoice(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(Invoice.objects.select_related("order"), pk=pk, order__buyer=request.user)
    return pdf_response(render_invoice(document), filename=f"{document.number}.pdf")
