"""The company documents: the quote (devis) and the training agreement (convention de formation, L6353-1).

The agreement names what L6353-1 and R6353-1 ask for: the title, objectives,
content and means of the action, its duration, dates and place, how it runs
and how attendance and results are followed and assessed, its price and the
payment terms, and the trainees. ``agreement_content`` freezes the course
part when the quote is accepted, so later edits of the course page do not
rewrite a signed agreement; the trainees are read from the order's seats each
time the PDF is rendered ("to be named" until a manager assigns them).

Both documents are written in the language of the quote. WeasyPrint is
imported only when a PDF is rendered: the services import this module to
freeze the agreement's content.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from courses.models import Session, TimetableSlot
from enrolments.documents.formatting import date_range, long_date, long_datetime, money, percent
from enrolments.models import Agreement, Order, PaymentWay, Quote, Seat, SeatStatus
from enrolments.models.organisations import Opco

__all__ = ["agreement_content", "agreement_context", "agreement_pdf", "quote_context", "quote_pdf"]


def _rich(value) -> str:
    """A rich text field's stored HTML (rendered with ``|richtext`` in the template)."""
    return str(getattr(value, "source", value) or "")


def _syllabus(course) -> list[dict]:
    modules = []
    for item in getattr(course.syllabus, "raw_data", None) or []:
        if not item or item.get("type") != "module":
            continue
        value = item.get("value") or {}
        modules.append(
            {
                "title": str(value.get("title") or ""),
                "hours": str(value.get("hours") or ""),
                "description": _rich(value.get("description")),
            }
        )
    return modules


def _trainers(course) -> list[dict]:
    return [
        {
            "name": trainer.name,
            "job_title": trainer.job_title,
            "organisation": trainer.organisation.name if trainer.organisation else "",
            "qualifications": trainer.qualifications,
        }
        for trainer in course.trainers.select_related("organisation").order_by("name")
    ]


def _follow_up() -> list[str]:
    """How the action runs and how attendance and results are followed (R6353-1), in the active language."""
    return [
        gettext("Trainees sign an attendance sheet for each half-day; online activity is followed in the LMS."),
        gettext("The trainers check what trainees have learnt during the course, as the assessment methods say."),
        gettext(
            "At the end, each trainee gets a certificate of completion stating the objectives, the nature and "
            "duration of the action and the results of the assessment; a certificate of attendance is available "
            "to the employer."
        ),
        gettext("Trainees are asked for their opinion on the course at the end of it."),
    ]


def agreement_content(session: Session, language: str) -> dict:
    """What the agreement says about the course and the session, frozen as JSON, in ``language``."""
    with translation.override(language):
        course = session.course.localized
        slots = list(TimetableSlot.objects.filter(session=session).order_by("date", "start_time"))
        session_hours = sum((slot.hours for slot in slots), Decimal(0))
        venue = session.venue
        return {
            "title": course.title,
            "session_code": session.code,
            "summary": course.summary,
            "level": str(course.get_level_display()),
            "audience": _rich(course.audience),
            "prerequisites": _rich(course.prerequisites),
            "objectives": _rich(course.objectives),
            "syllabus": _syllabus(course),
            "duration_hours": str(course.total_hours or session_hours),
            "session_hours": str(session_hours),
            "teaching_methods": _rich(course.teaching_methods),
            "assessment_methods": _rich(course.assessment_methods),
            "access_modalities": _rich(course.access_modalities),
            "accessibility": _rich(course.accessibility),
            "accessibility_contact": " — ".join(
                p for p in (course.accessibility_contact_name, course.accessibility_contact_email) if p
            ),
            "certification": " — ".join(
                p for p in (course.certification_title, course.certification_code, course.certifier) if p
            ),
            "trainers": _trainers(course),
            "starts_on": timezone.localtime(session.starts_at).date().isoformat(),
            "ends_on": timezone.localtime(session.ends_at).date().isoformat(),
            "slots": [
                {
                    "date": slot.date.isoformat(),
                    "start": slot.start_time.strftime("%H:%M"),
                    "end": slot.end_time.strftime("%H:%M"),
                    "hours": str(slot.hours),
                }
                for slot in slots
            ],
            "venue": (
                {"name": venue.name, "address": venue.one_line_address, "access_notes": venue.access_notes}
                if venue
                else None
            ),
            "is_online": session.is_online,
            "contact": " — ".join(p for p in (course.contact_name, course.contact_email, course.contact_phone) if p),
            "follow_up": _follow_up(),
        }


# --- rendering ----------------------------------------------------------------------------


def _price(*, unit_excl: Decimal, unit_incl: Decimal, quantity: int, vat_rate, vat_exempt: bool, currency: str):
    total_excl, total_incl = unit_excl * quantity, unit_incl * quantity
    return {
        "quantity": quantity,
        "unit_excl_tax": money(unit_excl, currency),
        "unit_incl_tax": money(unit_incl, currency),
        "total_excl_tax": money(total_excl, currency),
        "total_vat": money(total_incl - total_excl, currency),
        "total_incl_tax": money(total_incl, currency),
        "vat_rate": percent(vat_rate),
        "vat_exempt": vat_exempt,
    }


def _session_dates(session: Session) -> str:
    return date_range(timezone.localtime(session.starts_at).date(), timezone.localtime(session.ends_at).date())


def _general_payment_terms() -> list[str]:
    """The ways a company may pay, as the quote and an agreement not yet paid state them."""
    return [
        gettext("By card, online, once the quote is accepted."),
        gettext(
            "By bank transfer against an invoice payable within %(days)d days (organisations whose details we "
            "have checked)."
        )
        % {"days": settings.COMPANY_INVOICE_DUE_DAYS},
        gettext("Through the organisation's OPCO (subrogation): the OPCO pays its share, the organisation the rest."),
    ]


def quote_context(quote: Quote) -> dict:
    """The template context of ``documents/quote.html``; call it under the quote's language."""
    session = quote.session
    course = session.course.localized
    return {
        "quote": quote,
        "seller": settings.SELLER,
        "buyer": quote.buyer,
        "course": course,
        "session": session,
        "dates": _session_dates(session),
        "duration_hours": course.total_hours,
        "venue": session.venue,
        "issued_on": long_date(quote.issued_at),
        "valid_until": long_date(quote.valid_until),
        "price": _price(
            unit_excl=quote.unit_amount_excl_tax,
            unit_incl=quote.unit_amount_incl_tax,
            quantity=quote.quantity,
            vat_rate=quote.vat_rate,
            vat_exempt=quote.vat_exempt,
            currency=quote.currency,
        ),
        "payment_terms": _general_payment_terms(),
        "requested_by": quote.requested_by.get_full_name() or quote.requested_by.email,
        "document_title": gettext("Quote %(reference)s") % {"reference": quote.reference},
    }


def _trainees(order: Order) -> list[dict]:
    """One row per place: the person holding or assigned each seat, then "to be named" for the rest."""
    named = []
    seats = (
        Seat.objects.filter(order=order, status__in=(SeatStatus.ASSIGNED, SeatStatus.CLAIMED))
        .select_related("holder")
        .order_by("pk")
    )
    for seat in seats:
        if seat.status == SeatStatus.CLAIMED and seat.holder is not None:
            name = seat.holder.get_full_name()
            named.append({"name": name or seat.holder.email, "email": seat.holder.email if name else ""})
        else:
            named.append({"name": seat.email, "email": ""})
    unnamed = max(order.quantity - len(named), 0)
    return named + [{"name": gettext("To be named"), "email": ""} for _ in range(unnamed)]


def _order_payment_terms(order: Order) -> list[str]:
    """How this order is (or may be) paid, and when unpaid places are released."""
    if order.payment_way == PaymentWay.CARD:
        terms = [gettext("Paid by card, online.")]
    elif order.payment_way == PaymentWay.TRANSFER:
        terms = [
            gettext("By bank transfer against an invoice payable within %(days)d days.")
            % {"days": settings.COMPANY_INVOICE_DUE_DAYS}
        ]
    elif order.payment_way == PaymentWay.OPCO:
        opco = dict(Opco.choices).get(order.opco, order.opco)
        terms = [gettext("OPCO subrogation: %(opco)s pays its share directly to the provider.") % {"opco": opco}]
        if order.opco_amount is not None:
            terms.append(
                gettext("Share paid by the OPCO: %(amount)s; the organisation pays the rest, if any.")
                % {"amount": money(order.opco_amount, order.currency)}
            )
    else:
        terms = _general_payment_terms()
    if order.purchase_order_number:
        terms.append(gettext("Purchase order number: %(number)s") % {"number": order.purchase_order_number})
    if order.release_on:
        terms.append(
            gettext("Places not paid for (or invoiced) by %(date)s are released and this agreement ends for them.")
            % {"date": long_date(order.release_on)}
        )
    return terms


def _slot_rows(content: dict) -> list[dict]:
    return [
        {"date": long_date(dt.date.fromisoformat(slot["date"])), "start": slot["start"], "end": slot["end"]}
        for slot in content.get("slots", [])
    ]


def agreement_context(agreement: Agreement) -> dict:
    """The template context of ``documents/agreement.html``; call it under the agreement's language."""
    order, quote, content = agreement.order, agreement.quote, agreement.content
    starts_on, ends_on = content.get("starts_on"), content.get("ends_on")
    return {
        "agreement": agreement,
        "quote": quote,
        "order": order,
        "seller": settings.SELLER,
        "buyer": quote.buyer,
        "content": content,
        "duration_hours": Decimal(content.get("duration_hours") or 0),
        "dates": date_range(dt.date.fromisoformat(starts_on), dt.date.fromisoformat(ends_on)) if starts_on else "",
        "slots": _slot_rows(content),
        "price": _price(
            unit_excl=quote.unit_amount_excl_tax,
            unit_incl=quote.unit_amount_incl_tax,
            quantity=order.quantity,
            vat_rate=order.vat_rate,
            vat_exempt=order.vat_exempt,
            currency=order.currency,
        ),
        "payment_terms": _order_payment_terms(order),
        "trainees": _trainees(order),
        "issued_on": long_date(agreement.issued_at),
        "accepted_at": long_datetime(quote.accepted_at) if quote.accepted_at else "",
        "accepted_by": (quote.accepted_by.get_full_name() or quote.accepted_by.email) if quote.accepted_by else "",
        "document_title": gettext("Training agreement %(reference)s") % {"reference": agreement.reference},
    }


def _language(language: str) -> str:
    try:
        return translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def quote_pdf(quote: Quote) -> bytes:
    """The quote as a PDF, in the language it was issued in."""
    from enrolments.documents.pdf import render_pdf

    quote = Quote.objects.select_related("session__course", "session__venue", "requested_by").get(pk=quote.pk)
    with translation.override(_language(quote.language)):
        return render_pdf(template_name="documents/quote.html", context=quote_context(quote))


def agreement_pdf(agreement: Agreement) -> bytes:
    """The training agreement as a PDF, naming the trainees known now, in the agreement's language."""
    from enrolments.documents.pdf import render_pdf

    agreement = Agreement.objects.select_related("order", "quote__accepted_by").get(pk=agreement.pk)
    with translation.override(_language(agreement.language)):
        return render_pdf(template_name="documents/agreement.html", context=agreement_context(agreement))
