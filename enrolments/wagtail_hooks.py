"""Enrolments in the Wagtail admin, grouped in an "Enrolments" menu for finance staff.

- Enrolments, orders, payments to watch, invoices, the waitlist and quote
  requests are read-only for everyone, superusers included: they change only
  through the services (state machines, gap-free invoice numbers).
- Legal texts can be added and edited, until an enrolment accepted a version.
- A "Companies" menu: organisations (verified by staff before they may pay by
  invoice), company orders (transfers received, refunds, CSV export) and
  quotes; its actions are views of ``admin_company``, which call the services.

Who sees the menu is decided by the "view" permission of each model: finance
staff and superusers hold it, course designers and programme managers do not.
"""

from __future__ import annotations

from django.contrib.auth import get_permission_codename
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

import enrolments.admin_attendance  # noqa: F401  (registers its admin URLs and session-admin links)
from enrolments import admin_company, admin_filters, admin_inspect
from enrolments import admin_views as views
from enrolments.models import (
    Enrolment,
    FundingRequest,
    Instalment,
    Invoice,
    LegalText,
    Order,
    Organisation,
    Quote,
    WaitlistEntry,
)

# Registered before the viewsets below, which would otherwise create the
# default (read-write) policy for these models.
READ_ONLY_MODELS = (Enrolment, Order, Instalment, Invoice, WaitlistEntry, FundingRequest, Organisation, Quote)
for _model in READ_ONLY_MODELS:
    register_permission_policy(_model, views.ReadOnlyPermissionPolicy(_model))


def _date_column(name: str, label, *, date_only: bool = False) -> Column:
    """A date or timestamp written out (finance wants the date, not "3 days ago")."""
    formatter = views.local_date if date_only else views.local_datetime
    return Column(name, label=label, accessor=lambda obj: formatter(getattr(obj, name)), sort_key=name)


def _money_column(name: str, label, *, currency_of=lambda obj: obj.currency) -> Column:
    return Column(name, label=label, accessor=lambda obj: views.money(getattr(obj, name), currency_of(obj)))


def _person_column(name: str, label) -> Column:
    return Column(name, label=label, accessor=lambda obj: views.person_label(getattr(obj, name)))


def _session_column() -> Column:
    return Column("session", label=_("Session"), accessor="session.code", sort_key="session__code")


class ReadOnlyViewSet(ModelViewSet):
    """A list and an inspect view, nothing else; the policy refuses add, edit and delete too."""

    index_view_class = views.StaffIndexView
    inspect_view_class = admin_inspect.StaffInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    search_backend_name = None
    list_per_page = 50
    list_select_related: tuple[str, ...] = ()

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(list_select_related=self.list_select_related, **kwargs)

    def get_urlpatterns(self):
        # No add, edit, copy, delete or history routes: there is nothing to write.
        conv = self.pk_path_converter
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path(f"inspect/<{conv}:pk>/", self.inspect_view, name="inspect"),
        ]

    def get_permissions_to_register(self):
        # Only "view" is offered in the group editor: the others would do nothing.
        codename = get_permission_codename("view", self.model_opts)
        return super().get_permissions_to_register().filter(codename=codename)


class EnrolmentViewSet(ReadOnlyViewSet):
    model = Enrolment
    name = views.ENROLMENTS
    url_prefix = "enrolments"
    icon = "clipboard-list"
    menu_label = _("Enrolments")
    menu_order = 100
    inspect_view_class = admin_inspect.EnrolmentInspectView
    filterset_class = admin_filters.EnrolmentFilterSet
    search_fields = ["learner__email", "learner__first_name", "learner__last_name", "session__code"]
    list_select_related = ("learner", "session", "order")
    ordering = ["-created_at"]
    list_display = [
        "learner__email",
        Column("learner_name", label=_("Name"), accessor="learner.get_full_name", sort_key="learner__last_name"),
        _session_column(),
        "status",
        Column("funding", label=_("Funding"), accessor="order.get_funding_display", sort_key="order__funding"),
        _date_column("created_at", _("Created")),
        _date_column("withdrawal_ends_at", _("Withdrawal period ends")),
    ]
    inspect_view_fields = [
        "learner",
        "session",
        "status",
        "terms",
        "internal_rules",
        "accepted_at",
        "early_start_consent_at",
        "confirmed_at",
        "withdrawal_ends_at",
        "hold_expires_at",
        "ended_at",
        "completed_at",
        "order",
        "instalments",
        "lms_course_url",
        "created_at",
    ]


class OrderViewSet(ReadOnlyViewSet):
    model = Order
    name = views.ORDERS
    url_prefix = "orders"
    icon = "form"
    menu_label = _("Orders")
    menu_order = 200
    inspect_view_class = admin_inspect.OrderInspectView
    filterset_class = admin_filters.OrderFilterSet
    search_fields = ["reference", "buyer__email", "buyer__last_name", "session__code"]
    list_select_related = ("buyer", "session")
    ordering = ["-created_at"]
    list_display = [
        "reference",
        _person_column("buyer", _("Buyer")),
        _session_column(),
        "funding",
        "status",
        _money_column("amount_excl_tax", _("Total excluding VAT")),
        _money_column("amount_incl_tax", _("Total including VAT")),
        _date_column("created_at", _("Created")),
    ]
    inspect_view_fields = [
        "reference",
        "buyer",
        "session",
        "funding",
        "status",
        "quantity",
        "price_tier_kind",
        "amount_excl_tax",
        "amount_incl_tax",
        "vat_rate",
        "vat_exempt",
        "payment_backend",
        "created_at",
        "enrolments",
        "instalments",
        "refunds",
        "invoices",
    ]


class InstalmentViewSet(ReadOnlyViewSet):
    """Payments to watch: failed instalments first, exported to CSV or XLSX for finance."""

    model = Instalment
    name = "admin_instalments"
    url_prefix = "payments-to-watch"
    icon = "warning"
    menu_label = _("Payments to watch")
    menu_order = 300
    index_view_class = views.InstalmentIndexView
    filterset_class = admin_filters.InstalmentFilterSet
    search_fields = ["order__reference", "order__buyer__email", "order__buyer__last_name"]
    list_select_related = ("order", "order__buyer")
    ordering = ["watch_rank", "due_on", "order_id", "number"]
    list_display = [
        "order__reference",
        Column("number", label=_("No."), sort_key="number"),
        Column("buyer", label=_("Buyer"), accessor=lambda i: views.person_label(i.order.buyer)),
        Column("status", label=_("Status"), accessor="get_status_display", sort_key="watch_rank"),
        _date_column("due_on", _("Due on"), date_only=True),
        _money_column("amount", _("Amount"), currency_of=lambda i: i.order.currency),
        Column("attempts", label=_("Attempts"), sort_key="attempts"),
        _date_column("next_attempt_at", _("Next attempt")),
        Column("last_error", label=_("Last error")),
    ]
    list_export = [
        "order.reference",
        "order.buyer.email",
        "number",
        "due_on",
        "amount",
        "get_status_display",
        "attempts",
        "next_attempt_at",
        "last_error",
        "paid_at",
    ]
    export_headings = {
        "order.reference": _("Order"),
        "order.buyer.email": _("Buyer email"),
        "number": _("Instalment"),
        "due_on": _("Due on"),
        "amount": _("Amount"),
        "get_status_display": _("Status"),
        "attempts": _("Attempts"),
        "next_attempt_at": _("Next attempt"),
        "last_error": _("Last error"),
        "paid_at": _("Paid"),
    }
    export_filename = "payments-to-watch"


class InvoiceViewSet(ReadOnlyViewSet):
    model = Invoice
    name = views.INVOICES
    url_prefix = "invoices"
    icon = "doc-full"
    menu_label = _("Invoices and credit notes")
    menu_order = 400
    inspect_view_class = admin_inspect.InvoiceInspectView
    filterset_class = admin_filters.InvoiceFilterSet
    search_fields = ["number", "order__reference"]
    list_select_related = ("order",)
    ordering = ["-year", "-sequence"]
    list_display = [
        "number",
        "kind",
        Column("order", label=_("Order"), accessor="order.reference", sort_key="order__reference"),
        _date_column("issued_at", _("Issued")),
        _money_column("total_excl_tax", _("Total excluding VAT")),
        _money_column("total_incl_tax", _("Total including VAT")),
        Column("pdf", label=_("Document"), accessor=views.invoice_pdf_link),
    ]
    inspect_view_fields = [
        "number",
        "kind",
        "order",
        "credited_invoice",
        "issued_at",
        "total_excl_tax",
        "total_vat",
        "total_incl_tax",
        "vat_exempt",
        "payment_terms",
        "pdf",
    ]

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), path("pdf/<int:pk>/", views.InvoicePdfView.as_view(), name="pdf")]


class WaitlistEntryViewSet(ReadOnlyViewSet):
    model = WaitlistEntry
    name = "admin_waitlist"
    url_prefix = "waitlist"
    icon = "time"
    menu_label = _("Waitlist")
    menu_order = 500
    filterset_class = admin_filters.WaitlistEntryFilterSet
    search_fields = ["person__email", "person__last_name", "session__code"]
    list_select_related = ("person", "session")
    ordering = ["created_at", "pk"]
    list_display = [
        "person__email",
        Column("person_name", label=_("Name"), accessor="person.get_full_name", sort_key="person__last_name"),
        _session_column(),
        "status",
        _date_column("offer_expires_at", _("Offer expires")),
        _date_column("created_at", _("Joined")),
    ]
    inspect_view_fields = ["person", "session", "status", "offer_expires_at", "created_at"]


class FundingRequestViewSet(ReadOnlyViewSet):
    model = FundingRequest
    name = "admin_quote_requests"
    url_prefix = "quote-requests"
    icon = "mail"
    menu_label = _("Quote requests")
    menu_order = 600
    filterset_class = admin_filters.FundingRequestFilterSet
    search_fields = ["organisation_name", "requester__email", "requester__last_name", "session__code"]
    list_select_related = ("requester", "session")
    ordering = ["-created_at"]
    list_display = [
        "organisation_name",
        "kind",
        _person_column("requester", _("Requested by")),
        _session_column(),
        "contact_email",
        _date_column("created_at", _("Requested")),
    ]
    inspect_view_fields = [
        "requester",
        "session",
        "kind",
        "organisation_name",
        "contact_email",
        "message",
        "created_at",
    ]


class LegalTextViewSet(ModelViewSet):
    """Versions of the terms of sale and internal rules; accepted ones are frozen."""

    model = LegalText
    name = views.LEGAL_TEXTS
    url_prefix = "legal-texts"
    icon = "doc-empty"
    menu_label = _("Legal texts")
    menu_order = 700
    index_view_class = views.LegalTextIndexView
    edit_view_class = views.LegalTextEditView
    delete_view_class = views.LegalTextDeleteView
    inspect_view_class = admin_inspect.LegalTextInspectView
    inspect_view_enabled = True
    # Copying is how staff start the next version from the current one.
    copy_view_enabled = True
    search_backend_name = None
    search_fields = ["version"]
    list_filter = ["kind"]
    ordering = ["kind", "-effective_from"]
    list_display = ["__str__", "kind", "version", _date_column("effective_from", _("Effective from"))]
    inspect_view_fields = ["kind", "version", "effective_from", "acceptances", "body_fr", "body_en", "created_at"]


class EnrolmentsMenu(ModelViewSetGroup):
    menu_label = _("Enrolments")
    menu_icon = "clipboard-list"
    menu_order = 260
    items = (
        EnrolmentViewSet,
        OrderViewSet,
        InstalmentViewSet,
        InvoiceViewSet,
        WaitlistEntryViewSet,
        FundingRequestViewSet,
        LegalTextViewSet,
    )


# --- companies -----------------------------------------------------------------------------


class OrganisationViewSet(ReadOnlyViewSet):
    """Organisations, those to verify first; "Verify" for holders of ``change_organisation``."""

    model = Organisation
    name = admin_company.ORGANISATIONS
    url_prefix = "organisations"
    icon = "group"
    menu_label = _("Organisations")
    menu_order = 100
    index_view_class = admin_company.OrganisationIndexView
    inspect_view_class = admin_company.OrganisationInspectView
    filterset_class = admin_company.OrganisationFilterSet
    search_fields = ["name", "siret", "vat_number", "billing_contact_email"]
    ordering = ["verification_rank", "name"]
    list_display = [
        "name",
        "siret",
        Column("vat_number", label=_("VAT number")),
        Column(
            "verified", label=_("Verified"), accessor=admin_company.verification_label, sort_key="verification_rank"
        ),
        Column("managers_count", label=_("Managers"), sort_key="managers_count"),
        _date_column("created_at", _("Created")),
    ]
    inspect_view_fields = [
        "name",
        "siret",
        "vat_number",
        "billing_address",
        "billing_contact_name",
        "billing_contact_email",
        "purchase_order_required",
        "opco",
        "managers",
        "verified_at",
        "verified_by",
        "created_by",
        "created_at",
    ]

    def get_urlpatterns(self):
        verify = path("verify/<int:pk>/", admin_company.OrganisationVerifyView.as_view(), name="verify")
        return [*super().get_urlpatterns(), verify]

    def get_permissions_to_register(self):
        # "Change" is what the Verify action checks; the lists stay read-only.
        codenames = [get_permission_codename(action, self.model_opts) for action in ("view", "change")]
        return ModelViewSet.get_permissions_to_register(self).filter(codename__in=codenames)


class CompanyOrderViewSet(ReadOnlyViewSet):
    """Company orders with their invoices; transfers received and refunds for holders of ``change_order``."""

    model = Order
    name = admin_company.COMPANY_ORDERS
    url_prefix = "company-orders"
    icon = "form"
    menu_label = _("Company orders")
    menu_order = 200
    index_view_class = admin_company.CompanyOrderIndexView
    inspect_view_class = admin_company.CompanyOrderInspectView
    filterset_class = admin_company.CompanyOrderFilterSet
    search_fields = ["reference", "organisation__name", "organisation__siret", "purchase_order_number", "session__code"]
    list_select_related = ("organisation", "session")
    ordering = ["-created_at"]
    list_display = [
        "reference",
        Column("organisation", label=_("Organisation"), accessor="organisation.name", sort_key="organisation__name"),
        _session_column(),
        Column("quantity", label=_("Places"), sort_key="quantity"),
        _money_column("amount_incl_tax", _("Total including VAT")),
        Column("payment", label=_("Paid / invoiced"), accessor=admin_company.payment_progress, sort_key="status"),
        Column("payment_way", label=_("Payment"), accessor="get_payment_way_display", sort_key="payment_way"),
        _date_column("release_on", _("Released if unpaid on"), date_only=True),
    ]
    list_export = [
        "reference",
        "organisation",
        "siret",
        "session",
        "quantity",
        "amount_excl_tax",
        "amount_incl_tax",
        "status",
        "payment_way",
        "purchase_order_number",
        "invoices",
        "paid_on",
    ]
    export_headings = {
        "reference": _("Order"),
        "organisation": _("Organisation"),
        "siret": _("SIRET"),
        "session": _("Session"),
        "quantity": _("Places"),
        "amount_excl_tax": _("Total excluding VAT"),
        "amount_incl_tax": _("Total including VAT"),
        "status": _("Status"),
        "payment_way": _("Payment"),
        "purchase_order_number": _("Purchase order number"),
        "invoices": _("Invoices"),
        "paid_on": _("Paid on"),
    }
    export_filename = "company-orders"
    inspect_view_fields = [
        "reference",
        "organisation",
        "session",
        "buyer",
        "status",
        "payment_way",
        "quantity",
        "amount_excl_tax",
        "amount_incl_tax",
        "vat_exempt",
        "purchase_order_number",
        "opco",
        "opco_amount",
        "opco_agreement_number",
        "release_on",
        "seats",
        "instalments",
        "refunds",
        "created_at",
    ]

    def get_permissions_to_register(self):
        # "Change" is what the finance actions check; orders keep no edit form.
        codenames = [get_permission_codename(action, self.model_opts) for action in ("view", "change")]
        return ModelViewSet.get_permissions_to_register(self).filter(codename__in=codenames)


class CompanyQuoteViewSet(ReadOnlyViewSet):
    model = Quote
    name = admin_company.COMPANY_QUOTES
    url_prefix = "company-quotes"
    icon = "doc-full-inverse"
    menu_label = _("Company quotes")
    menu_order = 300
    filterset_class = admin_company.QuoteFilterSet
    search_fields = ["reference", "organisation__name", "session__code"]
    list_select_related = ("organisation", "session")
    ordering = ["-issued_at"]
    list_display = [
        "reference",
        Column("organisation", label=_("Organisation"), accessor="organisation.name", sort_key="organisation__name"),
        _session_column(),
        Column("quantity", label=_("Places"), sort_key="quantity"),
        Column("total", label=_("Total excluding VAT"), accessor=lambda q: views.money(q.total_excl_tax, q.currency)),
        "status",
        _date_column("issued_at", _("Issued")),
        _date_column("valid_until", _("Valid until"), date_only=True),
    ]
    inspect_view_fields = [
        "reference",
        "organisation",
        "session",
        "requested_by",
        "quantity",
        "unit_amount_excl_tax",
        "unit_amount_incl_tax",
        "vat_rate",
        "vat_exempt",
        "status",
        "issued_at",
        "valid_until",
        "accepted_at",
        "accepted_by",
    ]


class CompaniesMenu(ModelViewSetGroup):
    menu_label = _("Companies")
    menu_icon = "group"
    menu_order = 265
    items = (OrganisationViewSet, CompanyOrderViewSet, CompanyQuoteViewSet)


@hooks.register("register_admin_viewset")
def register_enrolments_menu():
    return EnrolmentsMenu()


@hooks.register("register_admin_viewset")
def register_companies_menu():
    return CompaniesMenu()
