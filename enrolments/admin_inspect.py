"""Inspect views of the enrolment admin: one object with the rows around it.

An enrolment shows what the learner accepted and when, its order and
payment schedule; an order shows its enrolments, instalments, refunds and
invoices. Other models use ``StaffInspectView`` as it is.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, Table
from wagtail.admin.views import generic
from wagtail.rich_text import RichText

from enrolments.admin_views import (
    ENROLMENTS,
    INVOICES,
    LEGAL_TEXTS,
    ORDERS,
    invoice_pdf_link,
    legal_text_acceptance_count,
    legal_text_label,
    link,
    local_date,
    local_datetime,
    money,
    person_label,
)
from enrolments.models import LegalText


def instalments_table(instalments) -> Table:
    columns = [
        Column("number", label=_("No.")),
        Column("due_on", label=_("Due on"), accessor=lambda i: local_date(i.due_on)),
        Column("amount", label=_("Amount"), accessor=lambda i: money(i.amount, i.order.currency)),
        Column("status", label=_("Status"), accessor="get_status_display"),
        Column("attempts", label=_("Attempts")),
        Column("next_attempt_at", label=_("Next attempt"), accessor=lambda i: local_datetime(i.next_attempt_at)),
        Column("paid_at", label=_("Paid"), accessor=lambda i: local_datetime(i.paid_at)),
        Column("last_error", label=_("Last error")),
    ]
    return Table(columns, list(instalments))


def refunds_table(refunds) -> Table:
    columns = [
        Column("created_at", label=_("Date"), accessor=lambda r: local_datetime(r.created_at)),
        Column("amount", label=_("Amount"), accessor=lambda r: money(r.amount, r.order.currency)),
        Column("status", label=_("Status"), accessor="get_status_display"),
        Column("reason", label=_("Reason")),
        Column("instalment", label=_("Instalment"), accessor="instalment.number"),
    ]
    return Table(columns, list(refunds))


class StaffInspectView(generic.InspectView):
    """Inspect view with local dates, people as "name <email>", links between objects,
    and extra rows computed by ``get_<name>_display_value`` methods labelled in ``extra_labels``."""

    select_related: tuple[str, ...] = ()
    extra_labels: dict[str, str] = {}

    def get_object(self, queryset=None):
        queryset = self.model._default_manager.select_related(*self.select_related)
        return get_object_or_404(queryset, pk=self.pk)

    def get_field_label(self, field_name, field):
        if field_name in self.extra_labels:
            return capfirst(self.extra_labels[field_name])
        return super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, dt.datetime):
            return local_datetime(value)
        if isinstance(value, dt.date):
            return local_date(value)
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        if isinstance(value, get_user_model()):
            return person_label(value)
        if value is None or value == "":
            return "—"
        return value

    def get_order_display_value(self):
        order = self.object.order
        if order is None:
            return "—"
        text = f"{order.reference} · {order.get_status_display()} · {money(order.amount_incl_tax, order.currency)}"
        return link(reverse(f"{ORDERS}:inspect", args=(quote(order.pk),)), text)


class EnrolmentInspectView(StaffInspectView):
    """What the learner accepted and when, with the order and its payment schedule."""

    select_related = ("learner", "session", "order", "terms", "internal_rules")
    extra_labels = {"instalments": _("Instalments")}

    def _legal_text(self, legal_text: LegalText) -> str:
        return link(reverse(f"{LEGAL_TEXTS}:inspect", args=(quote(legal_text.pk),)), legal_text_label(legal_text))

    def get_terms_display_value(self):
        return self._legal_text(self.object.terms)

    def get_internal_rules_display_value(self):
        return self._legal_text(self.object.internal_rules)

    def get_instalments_display_value(self):
        order = self.object.order
        instalments = order.instalments.select_related("order") if order else []
        return instalments_table(instalments) if instalments else gettext("No instalments")


class OrderInspectView(StaffInspectView):
    """The order with its enrolments, payment schedule, refunds and invoices."""

    select_related = ("buyer", "session")
    extra_labels = {
        "enrolments": _("Enrolments"),
        "instalments": _("Instalments"),
        "refunds": _("Refunds"),
        "invoices": _("Invoices and credit notes"),
    }

    def get_amount_excl_tax_display_value(self):
        return money(self.object.amount_excl_tax, self.object.currency)

    def get_amount_incl_tax_display_value(self):
        return money(self.object.amount_incl_tax, self.object.currency)

    def get_enrolments_display_value(self):
        enrolments = self.object.enrolments.select_related("learner")
        rows = [
            (reverse(f"{ENROLMENTS}:inspect", args=(quote(e.pk),)), person_label(e.learner), e.get_status_display())
            for e in enrolments
        ]
        return format_html_join(", ", '<a href="{}">{}</a> ({})', rows) if rows else "—"

    def get_instalments_display_value(self):
        instalments = self.object.instalments.select_related("order")
        return instalments_table(instalments) if instalments else gettext("No instalments")

    def get_refunds_display_value(self):
        refunds = self.object.refunds.select_related("order", "instalment")
        return refunds_table(refunds) if refunds else gettext("No refunds")

    def get_invoices_display_value(self):
        invoices = self.object.invoices.all()
        rows = [
            (i.number, i.get_kind_display(), money(i.total_incl_tax, i.currency), invoice_pdf_link(i)) for i in invoices
        ]
        return format_html_join(", ", "{} ({}, {}) {}", rows) if rows else "—"


class InvoiceInspectView(StaffInspectView):
    """An issued invoice or credit note, with its PDF and the invoice a credit note credits."""

    select_related = ("order", "credited_invoice")
    extra_labels = {"pdf": _("Document"), "vat_exempt": _("VAT exempt")}

    def get_pdf_display_value(self):
        return invoice_pdf_link(self.object)

    def get_credited_invoice_display_value(self):
        credited = self.object.credited_invoice
        if credited is None:
            return "—"
        return link(reverse(f"{INVOICES}:inspect", args=(quote(credited.pk),)), credited.number)

    def get_payment_terms_display_value(self):
        return linebreaksbr(self.object.payment_terms) if self.object.payment_terms else "—"

    def get_total_excl_tax_display_value(self):
        return money(self.object.total_excl_tax, self.object.currency)

    def get_total_vat_display_value(self):
        return money(self.object.total_vat, self.object.currency)

    def get_total_incl_tax_display_value(self):
        return money(self.object.total_incl_tax, self.object.currency)


class LegalTextInspectView(StaffInspectView):
    """A version of a legal text, rendered, with how many enrolments accepted it.

    Accepted versions offer no edit or delete button: staff add a new version.
    """

    extra_labels = {"acceptances": _("Accepted by")}

    @cached_property
    def acceptance_count(self) -> int:
        return legal_text_acceptance_count(self.object)

    def get_acceptances_display_value(self):
        count = self.acceptance_count
        return ngettext("%(count)s enrolment", "%(count)s enrolments", count) % {"count": count}

    def get_body_fr_display_value(self):
        return RichText(self.object.body_fr)

    def get_body_en_display_value(self):
        return RichText(self.object.body_en) if self.object.body_en else "—"

    def get_edit_url(self):
        return None if self.acceptance_count else super().get_edit_url()

    def get_delete_url(self):
        return None if self.acceptance_count else super().get_delete_url()
