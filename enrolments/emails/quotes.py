"""Emails about company quotes, written in the quote's language.

Kinds (the object id each one takes):

- ``quote_issued`` (Quote): to the manager who asked for it, with the quote PDF and the link to accept it online;
- ``quote_accepted`` (Quote): to the organisation's managers, with the training agreement PDF and the link to pay;
- ``quote_accepted_staff`` (Quote): to ``ENROLMENT_STAFF_EMAILS``, with the agreement PDF.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from enrolments.emails.rendering import Attachment, Draft, email_kind, loader, money, site_url
from enrolments.emails.session_details import person_name, session_context, subject_course
from enrolments.models import Agreement, Membership, MembershipStatus, Quote, QuoteStatus

load_quote = loader(
    Quote.objects.select_related(
        "organisation", "requested_by", "accepted_by", "session__venue", "session__course"
    ).prefetch_related("session__slots")
)


def requester(quote: Quote):
    return quote.requested_by


def acceptor(quote: Quote):
    return quote.accepted_by


def quote_language(quote: Quote) -> str:
    return quote.language if quote.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def page_url(name: str, *args: Any, language: str) -> str:
    """The absolute URL of a company page in ``language`` (``site_url`` adds the language prefix)."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse(name, args=args)
    return site_url(path, language=language)


def _quote_context(quote: Quote, *, language: str) -> dict[str, Any]:
    return {
        **session_context(quote.session, language=language),
        "quote": quote,
        "organisation_name": quote.organisation.name,
        "quantity": quote.quantity,
        "total_excl_tax": money(quote.total_excl_tax, quote.currency),
        "total_incl_tax": money(quote.total_incl_tax, quote.currency),
        "vat_exempt": quote.vat_exempt,
        "valid_until": quote.valid_until,
        "quote_url": page_url("organisations:quote", quote.organisation.public_id, quote.reference, language=language),
    }


def _quote_attachment(quote: Quote) -> Attachment:
    # Imported here: WeasyPrint is heavy and only needed when the email goes out.
    from enrolments.documents.company import quote_pdf

    return Attachment(filename=f"{quote.reference}.pdf", content=quote_pdf(quote), mimetype="application/pdf")


def _agreement_attachment(agreement: Agreement) -> Attachment:
    from enrolments.documents.company import agreement_pdf

    return Attachment(
        filename=f"{agreement.reference}.pdf", content=agreement_pdf(agreement), mimetype="application/pdf"
    )


def _agreement(quote: Quote) -> Agreement | None:
    return Agreement.objects.select_related("order").filter(quote=quote).first()


def manager_emails(organisation) -> list[str]:
    """The addresses of the organisation's active managers (none of an anonymised account)."""
    return list(
        Membership.objects.filter(
            organisation=organisation, status=MembershipStatus.ACTIVE, user__anonymised_at__isnull=True
        )
        .exclude(user__email="")
        .order_by("pk")
        .values_list("user__email", flat=True)
    )


@email_kind("quote_issued", load=load_quote, person=requester, language=quote_language)
def quote_issued(quote: Quote, language: str) -> Draft | None:
    """To the manager who asked: the quote PDF, its validity, the link to accept it online."""
    if quote.status != QuoteStatus.ISSUED:
        return None
    context = {**_quote_context(quote, language=language), "manager_name": person_name(quote.requested_by)}
    return Draft(
        to=[quote.requested_by.email],
        subject=_("Your quote %(reference)s: %(course)s") % {**subject_course(context), "reference": quote.reference},
        template="quote_issued",
        context=context,
        attachments=[_quote_attachment(quote)],
        reply_to=[settings.SELLER["email"]],
    )


@email_kind("quote_accepted", load=load_quote, person=acceptor, language=quote_language)
def quote_accepted(quote: Quote, language: str) -> Draft | None:
    """To the organisation's managers: the places are reserved; the agreement PDF and the link to pay."""
    agreement = _agreement(quote)
    if agreement is None:
        return None
    order = agreement.order
    context = {
        **_quote_context(quote, language=language),
        "agreement": agreement,
        "order": order,
        "accepted_by": person_name(quote.accepted_by) if quote.accepted_by else "",
        "release_on": order.release_on,
        "order_url": page_url("organisations:order", quote.organisation.public_id, order.reference, language=language),
    }
    return Draft(
        to=manager_emails(quote.organisation),
        subject=_("Places reserved, training agreement %(reference)s: %(course)s")
        % {**subject_course(context), "reference": agreement.reference},
        template="quote_accepted",
        context=context,
        attachments=[_agreement_attachment(agreement)],
        reply_to=[settings.SELLER["email"]],
    )


@email_kind("quote_accepted_staff", load=load_quote, person=acceptor, language=lambda quote: settings.LANGUAGE_CODE)
def quote_accepted_staff(quote: Quote, language: str) -> Draft | None:
    """To the training staff: an organisation accepted a quote; the agreement PDF."""
    agreement = _agreement(quote)
    if agreement is None:
        return None
    context = {
        **_quote_context(quote, language=language),
        "agreement": agreement,
        "order": agreement.order,
        "accepted_by": person_name(quote.accepted_by) if quote.accepted_by else "",
        "accepted_by_email": quote.accepted_by.email if quote.accepted_by else "",
        "siret": quote.buyer.get("siret", ""),
    }
    return Draft(
        to=list(settings.ENROLMENT_STAFF_EMAILS),
        subject=ngettext(
            "%(organisation)s booked %(count)d place: %(course)s (%(code)s)",
            "%(organisation)s booked %(count)d places: %(course)s (%(code)s)",
            quote.quantity,
        )
        % {**subject_course(context), "organisation": quote.organisation.name, "count": quote.quantity},
        template="quote_accepted_staff",
        context=context,
        attachments=[_agreement_attachment(agreement)],
        reply_to=[quote.accepted_by.email] if quote.accepted_by and quote.accepted_by.email else [],
    )
