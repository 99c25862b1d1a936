"""Company orders that end early: unpaid warnings, released seats, a cancelled session, refunds to make.

Kinds (the object id each one takes):

- ``company_unpaid_warning`` (Order): to the managers and the billing contact, before unpaid seats are released;
- ``company_seats_released`` (Order): to the managers and the billing contact, the seats were released;
- ``company_seat_released`` (Enrolment): to an employee whose place went with the released order;
- ``company_session_cancelled`` (Order): to the managers and the billing contact, the organiser cancelled;
- ``company_refund_to_make`` (Order): to ``ENROLMENT_STAFF_EMAILS``, money received by transfer to send back.

Managers and staff are written to in the site's default language.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.admin.utils import quote
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from enrolments.emails.rendering import Draft, email_kind, loader, money, site_url, staff_language
from enrolments.emails.session_details import invitation, session_context, subject_course
from enrolments.models import Enrolment, InstalmentStatus, InvoiceKind, MembershipStatus, Order, OrderStatus, PaymentWay

ZERO = Decimal("0.00")

load_order = loader(Order.objects.select_related("organisation", "session__course", "session__venue"))
load_enrolment = loader(
    Enrolment.objects.select_related("learner", "session__course", "session__venue", "order__organisation")
)


def no_person(_obj) -> None:
    # Written to an organisation (several people) or to staff: nobody's anonymisation applies.
    return None


def manager_emails(order: Order, *, billing_contact: bool = True) -> list[str]:
    """The organisation's active managers (not anonymised), then its billing contact; no duplicates."""
    organisation = order.organisation
    addresses = list(
        organisation.memberships.filter(
            status=MembershipStatus.ACTIVE, user__isnull=False, user__anonymised_at__isnull=True
        ).values_list("user__email", flat=True)
    )
    if billing_contact and organisation.billing_contact_email:
        addresses.append(organisation.billing_contact_email)
    return list(dict.fromkeys(address for address in addresses if address))


def _order_path(order: Order) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return reverse(
            "organisations:order", kwargs={"org": order.organisation.public_id, "reference": order.reference}
        )


def amount_paid(order: Order) -> Decimal:
    total = order.instalments.filter(status=InstalmentStatus.PAID).aggregate(total=Sum("amount"))["total"]
    return total or ZERO


def _order_context(order: Order, *, language: str) -> dict[str, Any]:
    paid = amount_paid(order)
    return {
        **session_context(order.session, language=language),
        "order": order,
        "organisation_name": order.organisation.name,
        "quantity": order.quantity,
        "total": money(order.amount_incl_tax, order.currency),
        "paid": money(paid, order.currency) if paid else None,
        "outstanding": money(max(order.amount_incl_tax - paid, ZERO), order.currency),
        "release_on": order.release_on,
        "order_url": site_url(_order_path(order), language=language),
    }


@email_kind("company_unpaid_warning", load=load_order, person=no_person, language=staff_language)
def company_unpaid_warning(order: Order, language: str) -> Draft | None:
    """Pay before ``release_on``, or the seats go back on sale."""
    if not order.is_company_order or order.release_on is None or order.status == OrderStatus.CANCELLED:
        return None
    context = _order_context(order, language=language)
    context["days_left"] = max((order.release_on - timezone.localdate()).days, 0)
    return Draft(
        to=manager_emails(order),
        subject=_("Unpaid order %(reference)s: your places in %(course)s will be released")
        % {**subject_course(context), "reference": order.reference},
        template="company_unpaid_warning",
        context=context,
        reply_to=[settings.SELLER["email"]],
    )


@email_kind("company_seats_released", load=load_order, person=no_person, language=staff_language)
def company_seats_released(order: Order, language: str) -> Draft | None:
    """The order was not paid in time: its seats were released and its invoices cancelled."""
    if not order.is_company_order:
        return None
    context = _order_context(order, language=language)
    context["employees"] = [
        seat.holder.get_full_name() or seat.holder.email
        for seat in order.seats.filter(enrolment__isnull=False).select_related("holder")
        if seat.holder
    ]
    return Draft(
        to=manager_emails(order),
        subject=_("Order %(reference)s not paid: places released for %(course)s")
        % {**subject_course(context), "reference": order.reference},
        template="company_seats_released",
        context=context,
        reply_to=[settings.SELLER["email"]],
    )


@email_kind("company_seat_released", load=load_enrolment, person=lambda enrolment: enrolment.learner)
def company_seat_released(enrolment: Enrolment, language: str) -> Draft | None:
    """To an employee: their employer's order was not paid, so their place is cancelled."""
    order = enrolment.order
    if order is None or not order.is_company_order:
        return None
    context = {
        **session_context(enrolment.session, language=language),
        "first_name": enrolment.learner.first_name or enrolment.learner.email,
        "organisation_name": order.organisation.name,
    }
    return Draft(
        to=[enrolment.learner.email],
        subject=_("Your place is cancelled: %(course)s (%(code)s)") % subject_course(context),
        template="company_seat_released",
        context=context,
        attachments=[invitation(enrolment.session, enrolment.learner, method="CANCEL", language=language)],
    )


@email_kind("company_session_cancelled", load=load_order, person=no_person, language=staff_language)
def company_session_cancelled(order: Order, language: str) -> Draft | None:
    """The organiser cancelled the session: what happens to the money the company paid."""
    # Imported here: the services import this package.
    from enrolments.services.company_release import card_refund_owed

    if not order.is_company_order:
        return None
    context = _order_context(order, language=language)
    by_card = order.payment_way == PaymentWay.CARD
    refund = card_refund_owed(order) if by_card else amount_paid(order)
    context["card_refund"] = money(refund, order.currency) if by_card and refund > 0 else None
    context["transfer_refund"] = money(refund, order.currency) if not by_card and refund > 0 else None
    return Draft(
        to=manager_emails(order),
        subject=_("Session cancelled: %(course)s (%(code)s), order %(reference)s")
        % {**subject_course(context), "reference": order.reference},
        template="company_session_cancelled",
        context=context,
        reply_to=[settings.SELLER["email"]],
    )


@email_kind("company_refund_to_make", load=load_order, person=no_person, language=staff_language)
def company_refund_to_make(order: Order, language: str) -> Draft | None:
    """To finance staff: a cancelled company order had paid by transfer; send the money back."""
    from enrolments.services.company_release import SESSION_CANCELLED, refundable_amount

    if not order.is_company_order:
        return None
    context = _order_context(order, language=language)
    organisation = order.organisation
    payments = [
        {
            "amount": money(i.amount - i.amount_refunded, order.currency),
            "paid_at": i.paid_at,
            "reference": i.provider_payment_id,
        }
        for i in order.instalments.filter(status=InstalmentStatus.PAID).order_by("number")
    ]
    invoices = order.invoices.filter(kind=InvoiceKind.INVOICE, paid_at__isnull=False).order_by("sequence")
    context.update(
        {
            "session_cancelled": SESSION_CANCELLED in order.notices,
            "to_refund": money(refundable_amount(order), order.currency),
            "payments": payments,
            "paid_invoices": [
                {"number": i.number, "payer": i.get_payer_display(), "paid_at": i.paid_at} for i in invoices
            ],
            "siret": organisation.siret,
            "billing_contact": f"{organisation.billing_contact_name} <{organisation.billing_contact_email}>",
            "admin_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/")
            + reverse("admin_company_orders:inspect", args=(quote(order.pk),)),
        }
    )
    return Draft(
        to=list(settings.ENROLMENT_STAFF_EMAILS),
        subject=_("Refund to make by bank transfer: order %(reference)s (%(organisation)s)")
        % {"reference": order.reference, "organisation": organisation.name},
        template="company_refund_to_make",
        context=context,
    )
