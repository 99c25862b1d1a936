"""Companies in the Wagtail admin, for finance staff: organisations, company orders and quotes.

The lists are read-only, as in the rest of the enrolments admin; rows change
only through the services, from three actions:

- verifying an organisation (``organisations.organisation_verify``), for users
  holding ``enrolments.change_organisation``;
- recording a bank transfer received for an invoice
  (``company_settlement.record_invoice_paid``) and refunding a company order
  (``company_release.refund_company_order``), for users holding
  ``enrolments.change_order``.

A refused action (already paid, more than can be refunded, provider refusal)
is shown as an admin message above the form, which keeps what was typed.
The viewsets that use these views are declared in ``enrolments/wagtail_hooks.py``.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from decimal import Decimal

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, Table
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput
from wagtail.admin.widgets.button import Button, ListingButton

from enrolments.admin_filters import _session_filter, _status_filter
from enrolments.admin_inspect import OrderInspectView, StaffInspectView
from enrolments.admin_views import (
    StaffIndexView,
    invoice_pdf_link,
    link,
    local_date,
    local_datetime,
    money,
    person_label,
)
from enrolments.models import (
    Invoice,
    InvoiceKind,
    MembershipStatus,
    Order,
    OrderStatus,
    Organisation,
    PaymentWay,
    Quote,
    QuoteStatus,
)
from enrolments.payments.base import PaymentError
from enrolments.services.errors import EnrolmentError

# URL namespaces of the viewsets (see wagtail_hooks).
ORGANISATIONS = "admin_organisations"
COMPANY_ORDERS = "admin_company_orders"
COMPANY_QUOTES = "admin_company_quotes"

VERIFY_PERMISSION = "enrolments.change_organisation"
# Orders stay read-only in the admin (no edit form, whatever the policy): "change" here
# means the finance actions on a company order, which go through the services.
FINANCE_ACTION_PERMISSION = "enrolments.change_order"

REFUSED = (EnrolmentError, ValueError, ValidationError, PaymentError)


def refusal_message(error: Exception) -> str:
    """What a refused action says to staff, whichever service refused it."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(getattr(error, "message", "") or error)


# --- filters ----------------------------------------------------------------------------


class OrganisationFilterSet(WagtailFilterSet):
    verified = django_filters.ChoiceFilter(
        label=_("Verification"),
        choices=[("no", _("To verify")), ("yes", _("Verified"))],
        method="filter_verified",
        empty_label=_("All organisations"),
    )

    class Meta:
        model = Organisation
        fields = ["verified"]

    def filter_verified(self, queryset, name, value):
        return queryset.filter(verified_at__isnull=value == "no")


def unpaid_past_due(today: dt.date) -> Exists:
    """An issued invoice of the order, unpaid after its due date."""
    return Exists(
        Invoice.objects.filter(order=OuterRef("pk"), kind=InvoiceKind.INVOICE, paid_at__isnull=True, due_on__lt=today)
    )


class CompanyOrderFilterSet(WagtailFilterSet):
    status = _status_filter(OrderStatus.choices)
    payment_way = django_filters.ChoiceFilter(
        label=_("Payment"), choices=PaymentWay.choices, empty_label=_("Any payment")
    )
    unpaid_past_due = django_filters.ChoiceFilter(
        label=_("Unpaid invoices"),
        choices=[("yes", _("Unpaid past their due date"))],
        method="filter_unpaid_past_due",
        empty_label=_("All orders"),
    )
    session = _session_filter()

    class Meta:
        model = Order
        fields = ["status", "payment_way", "unpaid_past_due", "session"]

    def filter_unpaid_past_due(self, queryset, name, value):
        return queryset.filter(unpaid_past_due(timezone.localdate())).exclude(status=OrderStatus.CANCELLED)


class QuoteFilterSet(WagtailFilterSet):
    status = _status_filter(QuoteStatus.choices)
    session = _session_filter()

    class Meta:
        model = Quote
        fields = ["status", "session"]


# --- organisations ----------------------------------------------------------------------


def can_verify(user) -> bool:
    return user.has_perm(VERIFY_PERMISSION)


def verify_url(organisation: Organisation) -> str:
    return reverse(f"{ORGANISATIONS}:verify", args=(quote(organisation.pk),))


def verification_label(organisation: Organisation) -> str:
    if organisation.verified_at is None:
        return gettext("No: to verify")
    return gettext("Yes, on %(date)s") % {"date": local_date(timezone.localdate(organisation.verified_at))}


class OrganisationIndexView(StaffIndexView):
    """Organisations to verify first, with their number of managers (in the same query)."""

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .annotate(
                managers_count=Count("memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE)),
                verification_rank=Case(
                    When(verified_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
                ),
            )
        )

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.verified_at is None and can_verify(self.request.user):
            buttons.insert(0, ListingButton(gettext("Verify"), url=verify_url(instance), icon_name="tick", priority=5))
        return buttons


class OrganisationInspectView(StaffInspectView):
    select_related = ("created_by", "verified_by")
    extra_labels = {"managers": _("Managers"), "billing_address": _("Billing address")}

    def get_verified_at_display_value(self):
        return verification_label(self.object)

    def get_billing_address_display_value(self):
        return linebreaksbr(self.object.billing_address)

    def get_managers_display_value(self):
        memberships = self.object.memberships.filter(status=MembershipStatus.ACTIVE).select_related("user")
        return ", ".join(person_label(m.user) for m in memberships if m.user) or "—"

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.object.verified_at is None and can_verify(self.request.user):
            buttons.append(Button(gettext("Verify"), url=verify_url(self.object), icon_name="tick", priority=5))
        return buttons


class OrganisationVerifyView(WagtailAdminTemplateMixin, TemplateView):
    """Confirm, then record that staff checked the organisation: it may then pay by invoice."""

    template_name = "enrolments/admin/company/verify_organisation.html"
    page_title = _("Verify an organisation")
    header_icon = "tick"

    def dispatch(self, request, *args, **kwargs):
        if not can_verify(request.user):
            raise PermissionDenied
        self.object = get_object_or_404(Organisation, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(f"{ORGANISATIONS}:index"), "label": Organisation._meta.verbose_name_plural.capitalize()},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            organisation=self.object,
            inspect_url=reverse(f"{ORGANISATIONS}:inspect", args=(quote(self.object.pk),)),
            verify_url=verify_url(self.object),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        from enrolments.services.organisations import organisation_verify

        if self.object.verified_at is not None:
            messages.warning(request, gettext("%(name)s was already verified.") % {"name": self.object})
            return redirect(f"{ORGANISATIONS}:index")
        try:
            organisation_verify(organisation=self.object, by=request.user)
        except REFUSED as error:
            messages.error(request, refusal_message(error))
            return self.get(request, *args, **kwargs)
        messages.success(request, gettext("%(name)s is verified: it may now pay by invoice.") % {"name": self.object})
        return redirect(f"{ORGANISATIONS}:index")


# --- company orders ---------------------------------------------------------------------


def issued_invoices() -> Prefetch:
    return Prefetch(
        "invoices", queryset=Invoice.objects.filter(kind=InvoiceKind.INVOICE).order_by("sequence"), to_attr="issued"
    )


def payment_progress(order: Order) -> str:
    """ "Paid", or how many of its invoices are paid: "Invoiced, 1 of 2 paid"."""
    if order.status == OrderStatus.PAID:
        return gettext("Paid")
    if not order.invoice_count:
        return order.get_status_display()
    return gettext("%(status)s, %(paid)s of %(count)s paid") % {
        "status": order.get_status_display(),
        "paid": order.paid_invoice_count,
        "count": order.invoice_count,
    }


class CompanyOrderIndexView(StaffIndexView):
    """Company orders only, with their invoices counted in the same query; CSV for finance."""

    def get_base_queryset(self):
        issued = Q(invoices__kind=InvoiceKind.INVOICE)
        return (
            super()
            .get_base_queryset()
            .filter(organisation__isnull=False)
            .annotate(
                invoice_count=Count("invoices", filter=issued),
                paid_invoice_count=Count("invoices", filter=issued & Q(invoices__paid_at__isnull=False)),
            )
            .prefetch_related(issued_invoices())
        )

    def to_row_dict(self, item):
        invoices = item.issued
        return OrderedDict(
            [
                ("reference", item.reference),
                ("organisation", item.organisation.name),
                ("siret", item.organisation.siret),
                ("session", item.session.code),
                ("quantity", item.quantity),
                ("amount_excl_tax", item.amount_excl_tax),
                ("amount_incl_tax", item.amount_incl_tax),
                ("status", item.get_status_display()),
                ("payment_way", item.get_payment_way_display()),
                ("purchase_order_number", item.purchase_order_number),
                ("invoices", " ".join(invoice.number for invoice in invoices)),
                ("paid_on", " ".join(timezone.localdate(i.paid_at).isoformat() for i in invoices if i.paid_at)),
            ]
        )


class TransferReceivedForm(forms.Form):
    invoice = forms.ModelChoiceField(
        label=_("Invoice"),
        queryset=Invoice.objects.none(),
        error_messages={"invalid_choice": _("This invoice is already paid, or is not an invoice of this order.")},
    )
    received_on = forms.DateField(label=_("Received on"), widget=AdminDateInput)
    reference = forms.CharField(
        label=_("Bank reference"), max_length=100, help_text=_("As it appears on the bank statement.")
    )

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, prefix="transfer", **kwargs)
        field = self.fields["invoice"]
        field.queryset = order.invoices.filter(kind=InvoiceKind.INVOICE, paid_at__isnull=True).order_by("sequence")
        field.label_from_instance = lambda i: f"{i.number} · {i.get_payer_display()} · {money(i.total_incl_tax)}"

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return received_on


class CompanyRefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount to refund, tax included (€)"), max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    reason = forms.CharField(label=_("Reason"), max_length=150)

    def __init__(self, *args, refundable: Decimal, currency: str, **kwargs):
        super().__init__(*args, prefix="refund", **kwargs)
        self.fields["amount"].help_text = gettext("At most %(amount)s.") % {"amount": money(refundable, currency)}


class CompanyOrderInspectView(OrderInspectView):
    """A company order with its invoices and seats, and the finance actions (POST, permission-checked)."""

    template_name = "enrolments/admin/company/order_inspect.html"
    select_related = ("organisation", "session", "buyer")
    extra_labels = {"organisation": _("Organisation"), "seats": _("Seats")}
    forms = {"transfer": TransferReceivedForm, "refund": CompanyRefundForm}

    def get_organisation_display_value(self):
        organisation = self.object.organisation
        url = reverse(f"{ORGANISATIONS}:inspect", args=(quote(organisation.pk),))
        return link(url, f"{organisation.name} ({organisation.siret})")

    def get_amount_excl_tax_display_value(self):
        return money(self.object.amount_excl_tax, self.object.currency)

    def get_amount_incl_tax_display_value(self):
        return money(self.object.amount_incl_tax, self.object.currency)

    def get_opco_display_value(self):
        from enrolments.services.invoicing import opco_name

        return opco_name(self.object.opco) if self.object.opco else "—"

    def get_opco_amount_display_value(self):
        amount = self.object.opco_amount
        return money(amount, self.object.currency) if amount is not None else "—"

    def get_seats_display_value(self):
        seats = self.object.seats.select_related("holder")
        columns = [
            Column("status", label=_("Status"), accessor="get_status_display"),
            Column("email", label=_("Employee email")),
            Column("holder", label=_("Employee"), accessor=lambda s: person_label(s.holder) if s.holder else ""),
            Column("claimed_at", label=_("Claimed"), accessor=lambda s: local_datetime(s.claimed_at)),
        ]
        seats = list(seats)
        return Table(columns, seats) if seats else gettext("No seats yet")

    @cached_property
    def refundable(self) -> Decimal:
        from enrolments.services.company_release import refundable_amount

        return refundable_amount(self.object)

    def can_act(self) -> bool:
        return self.request.user.has_perm(FINANCE_ACTION_PERMISSION)

    def build_form(self, name: str, data=None):
        if name == "transfer":
            return TransferReceivedForm(data, order=self.object)
        return CompanyRefundForm(data, refundable=self.refundable, currency=self.object.currency)

    def invoices_table(self) -> Table:
        columns = [
            Column("number", label=_("Number")),
            Column("kind", label=_("Kind"), accessor="get_kind_display"),
            Column("payer", label=_("Payer"), accessor="get_payer_display"),
            Column("total", label=_("Total including VAT"), accessor=lambda i: money(i.total_incl_tax, i.currency)),
            Column("issued_at", label=_("Issued"), accessor=lambda i: local_datetime(i.issued_at)),
            Column("due_on", label=_("Due on"), accessor=lambda i: local_date(i.due_on)),
            Column("paid_at", label=_("Paid"), accessor=lambda i: local_datetime(i.paid_at)),
            Column("pdf", label=_("Document"), accessor=invoice_pdf_link),
        ]
        return Table(columns, self.invoices)

    @cached_property
    def invoices(self) -> list[Invoice]:
        return list(self.object.invoices.order_by("sequence"))

    def get_context_data(self, **kwargs):
        bound = getattr(self, "bound_forms", {})
        context = super().get_context_data(**kwargs)
        context.update(
            invoices_table=self.invoices_table(),
            has_invoices=bool(self.invoices),
            has_unpaid_invoices=any(i.kind == InvoiceKind.INVOICE and i.paid_at is None for i in self.invoices),
            by_card=self.object.payment_way == PaymentWay.CARD,
            can_refund=self.refundable > 0,
            refundable=money(self.refundable, self.object.currency),
            can_act=self.can_act(),
            transfer_form=bound.get("transfer") or self.build_form("transfer"),
            refund_form=bound.get("refund") or self.build_form("refund"),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not self.can_act():
            raise PermissionDenied
        action = request.POST.get("action")
        if action not in self.forms:
            messages.error(request, gettext("Unknown action."))
            return redirect(request.path)
        form = self.build_form(action, request.POST)
        if form.is_valid():
            try:
                success = getattr(self, f"do_{action}")(form)
            except REFUSED as error:
                form.add_error(None, refusal_message(error))
            else:
                messages.success(request, success)
                return redirect(request.path)
        messages.error(request, gettext("Nothing was recorded: please correct the errors below."))
        self.bound_forms = {action: form}
        return self.render_to_response(self.get_context_data())

    def do_transfer(self, form: TransferReceivedForm) -> str:
        from enrolments.services import company_settlement

        invoice = form.cleaned_data["invoice"]
        # Noon, Paris time: the bank gives a date, and noon keeps it on that date in every time zone report.
        paid_at = timezone.make_aware(dt.datetime.combine(form.cleaned_data["received_on"], dt.time(12)))
        company_settlement.record_invoice_paid(
            invoice=invoice, paid_at=paid_at, by=self.request.user, reference=form.cleaned_data["reference"]
        )
        return gettext("Transfer recorded: invoice %(number)s is paid.") % {"number": invoice.number}

    def do_refund(self, form: CompanyRefundForm) -> str:
        from enrolments.services.company_release import refund_company_order

        amount = form.cleaned_data["amount"]
        refund_company_order(order=self.object, amount=amount, reason=form.cleaned_data["reason"])
        return gettext("Refund of %(amount)s recorded, with its credit note.") % {
            "amount": money(amount, self.object.currency)
        }
