"""What the document templates show, with amounts and dates already written out.

Build contexts under ``translation.override(language)`` (``pdf.py`` does):
amounts and dates are formatted here, in the document's language.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from enrolments.documents.formatting import date_range, long_date, long_datetime, money, percent
from enrolments.models import (
    Civility,
    Enrolment,
    Funding,
    InstalmentStatus,
    Invoice,
    InvoiceKind,
    ProfessionalStatus,
)


def _civility_label(code: str) -> str:
    # "Prefer not to say" is not a form of address: show nothing.
    if code in (Civility.MS, Civility.MR):
        return str(Civility(code).label)
    return ""


def invoice_context(invoice: Invoice) -> dict:
    """The template context of ``documents/invoice.html``."""
    currency = invoice.currency
    lines = [
        {
            "description": line["description"],
            "quantity": line["quantity"],
            "unit_price": money(Decimal(line["unit_price_excl_tax"]), currency),
            "vat_rate": percent(Decimal(line["vat_rate"])),
            "total_excl_tax": money(Decimal(line["total_excl_tax"]), currency),
            "total_incl_tax": money(Decimal(line["total_incl_tax"]), currency),
        }
        for line in invoice.lines
    ]
    is_credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
    credited = invoice.credited_invoice if is_credit_note else None
    # Professional buyers must be told the late-payment terms (Code de commerce L441-10).
    business_buyer = invoice.order.funding in (Funding.EMPLOYER, Funding.FUNDER)
    return {
        "invoice": invoice,
        "title": InvoiceKind(invoice.kind).label,
        "is_credit_note": is_credit_note,
        "credited_number": credited.number if credited else "",
        "credited_date": long_date(credited.issued_at) if credited else "",
        "issued_on": long_date(invoice.issued_at),
        "seller": invoice.seller,
        "buyer": invoice.buyer,
        "buyer_civility": _civility_label(invoice.buyer.get("civility", "")),
        "order_reference": invoice.order.reference,
        "lines": lines,
        "total_excl_tax": money(invoice.total_excl_tax, currency),
        "total_vat": money(invoice.total_vat, currency),
        "total_incl_tax": money(invoice.total_incl_tax, currency),
        "vat_rate": lines[0]["vat_rate"] if lines else "",
        "business_buyer": business_buyer,
        "document_title": f"{InvoiceKind(invoice.kind).label} {invoice.number}",
    }


def contract_language(enrolment: Enrolment, language: str | None = None) -> str:
    """``language`` if given, else the order's invoice language, else the active language."""
    if not language and enrolment.order_id:
        invoice = enrolment.order.invoices.filter(kind=InvoiceKind.INVOICE).only("language").first()
        language = invoice.language if invoice else None
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return settings.LANGUAGE_CODE


def _cancellation_rows() -> list[str]:
    """CANCELLATION_TERMS as sentences, the furthest from the start first."""
    rows = []
    terms = sorted(settings.CANCELLATION_TERMS, reverse=True)
    for index, (days, share) in enumerate(terms):
        if days > 0:
            text = gettext("Cancelled %(days)d days or more before the start: %(share)d %% of the price refunded.")
        elif index:
            days = terms[index - 1][0]
            text = gettext("Cancelled less than %(days)d days before the start: %(share)d %% of the price refunded.")
        else:
            text = gettext("Cancelled at any time: %(share)d %% of the price refunded.")
        rows.append(text % {"days": days, "share": share})
    return rows


def _schedule(enrolment: Enrolment) -> list[dict]:
    order = enrolment.order
    if order is None:
        return []
    return [
        {"number": i.number, "due_on": long_date(i.due_on), "amount": money(i.amount, order.currency)}
        for i in order.instalments.order_by("number")
        if i.status != InstalmentStatus.CANCELLED
    ]


def _price(enrolment: Enrolment) -> dict:
    order = enrolment.order
    if order is None or not order.amount_incl_tax:
        return {"free": True}
    vat_exempt = bool(settings.SELLER_VAT_EXEMPT or order.vat_exempt)
    return {
        "free": False,
        "vat_exempt": vat_exempt,
        "incl_tax": money(order.amount_incl_tax, order.currency),
        "excl_tax": money(order.amount_incl_tax if vat_exempt else order.amount_excl_tax, order.currency),
        "vat_rate": percent(order.vat_rate),
        "reference": order.reference,
    }


def contract_context(enrolment: Enrolment, *, language: str | None = None) -> dict:
    """The template context of ``documents/contract.html``, in the contract's language."""
    enrolment = Enrolment.objects.select_related(
        "learner", "order", "session__course", "session__venue", "terms", "internal_rules"
    ).get(pk=enrolment.pk)
    with translation.override(contract_language(enrolment, language)):
        return _contract_context(enrolment)


def _contract_context(enrolment: Enrolment) -> dict:
    session = enrolment.session
    course = session.course.localized
    learner = enrolment.learner
    slots = list(session.slots.all())
    starts_on, ends_on = timezone.localtime(session.starts_at).date(), timezone.localtime(session.ends_at).date()
    session_hours = sum((slot.hours for slot in slots), Decimal(0))
    concluded_at = enrolment.confirmed_at or enrolment.accepted_at
    return {
        "seller": settings.SELLER,
        "learner": learner,
        "learner_name": learner.get_full_name() or learner.email,
        "learner_civility": _civility_label(learner.civility),
        "learner_status": ProfessionalStatus(learner.professional_status).label if learner.professional_status else "",
        "enrolment": enrolment,
        "course": course,
        "trainers": list(course.trainers.select_related("organisation")),
        "session": session,
        "dates": date_range(starts_on, ends_on),
        "slots": [
            {"date": long_date(s.date), "start": s.start_time, "end": s.end_time, "hours": s.hours} for s in slots
        ],
        "duration_hours": course.total_hours or session_hours,
        "venue": session.venue,
        "price": _price(enrolment),
        "schedule": _schedule(enrolment),
        "withdrawal_days": settings.WITHDRAWAL_PERIOD_DAYS,
        "withdrawal_ends": long_datetime(enrolment.withdrawal_ends_at) if enrolment.withdrawal_ends_at else "",
        "deposit_percent": settings.DEPOSIT_PERCENT,
        "cancellation_rows": _cancellation_rows(),
        "terms": enrolment.terms,
        "internal_rules": enrolment.internal_rules,
        "accepted_at": long_datetime(enrolment.accepted_at),
        "early_start_consent_at": (
            long_datetime(enrolment.early_start_consent_at) if enrolment.early_start_consent_at else ""
        ),
        "concluded_on": long_date(concluded_at),
        "document_title": gettext("Training contract %(code)s") % {"code": session.code},
    }
