"""Filters of the enrolment admin lists (enrolments, orders, payments, invoices, waitlist, quote requests)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from courses.models import Session
from enrolments.models import (
    Enrolment,
    EnrolmentStatus,
    Funding,
    FundingRequest,
    FundingRequestKind,
    Instalment,
    InstalmentStatus,
    Invoice,
    InvoiceKind,
    Order,
    OrderStatus,
    WaitlistEntry,
    WaitlistStatus,
)


def _sessions(request):
    # Latest sessions first: staff mostly look at the runs being sold now.
    return Session.objects.order_by("-starts_at", "code")


def _session_filter() -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(label=_("Session"), queryset=_sessions, empty_label=_("All sessions"))


def _status_filter(choices) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(label=_("Status"), choices=choices, empty_label=_("Any status"))


class EnrolmentFilterSet(WagtailFilterSet):
    """Status, session and who pays (the order's funding)."""

    status = _status_filter(EnrolmentStatus.choices)
    session = _session_filter()
    funding = django_filters.ChoiceFilter(
        label=_("Funding"), field_name="order__funding", choices=Funding.choices, empty_label=_("Any funding")
    )

    class Meta:
        model = Enrolment
        fields = ["status", "session", "funding"]


class OrderFilterSet(WagtailFilterSet):
    status = _status_filter(OrderStatus.choices)
    funding = django_filters.ChoiceFilter(label=_("Funding"), choices=Funding.choices, empty_label=_("Any funding"))
    session = _session_filter()

    class Meta:
        model = Order
        fields = ["status", "funding", "session"]


class InstalmentFilterSet(WagtailFilterSet):
    """Status and due date: "failed" plus a date range is what finance checks every morning."""

    status = _status_filter(InstalmentStatus.choices)
    due_on = django_filters.DateFromToRangeFilter(label=_("Due between"), widget=DateRangePickerWidget)

    class Meta:
        model = Instalment
        fields = ["status", "due_on"]


class InvoiceFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=InvoiceKind.choices, empty_label=_("Any kind"))
    issued_at = django_filters.DateFromToRangeFilter(label=_("Issued between"), widget=DateRangePickerWidget)

    class Meta:
        model = Invoice
        fields = ["kind", "issued_at"]


class WaitlistEntryFilterSet(WagtailFilterSet):
    status = _status_filter(WaitlistStatus.choices)
    session = _session_filter()

    class Meta:
        model = WaitlistEntry
        fields = ["status", "session"]


class FundingRequestFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=FundingRequestKind.choices, empty_label=_("Any kind"))
    session = _session_filter()

    class Meta:
        model = FundingRequest
        fields = ["kind", "session"]
