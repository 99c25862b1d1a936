"""Staff views of the enrolment admin: the read-only policy, list and inspect views,
legal text edits refused once accepted, and invoice PDF downloads.

The viewsets that use them are declared in ``enrolments/wagtail_hooks.py``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.views import View
from wagtail.admin import messages
from wagtail.admin.views import generic
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.permission_policies import ModelPermissionPolicy

from enrolments.models import Enrolment, InstalmentStatus, Invoice, LegalText

# URL namespaces of the viewsets (see wagtail_hooks), for links between them.
ENROLMENTS = "admin_enrolments"
ORDERS = "admin_orders"
INVOICES = "admin_invoices"
LEGAL_TEXTS = "admin_legal_texts"

WRITING_ACTIONS = frozenset({"add", "change", "delete"})


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Django model permissions with adding, changing and deleting switched off, for everyone.

    Enrolments, orders, payments and invoices change only through the services
    (state machines, gap-free invoice numbers); editing a row by hand would
    bypass them, so not even a superuser gets an edit form. The "view"
    permission decides who sees the lists.
    """

    def user_has_permission(self, user, action):
        return action not in WRITING_ACTIONS and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        readable = [action for action in actions if action not in WRITING_ACTIONS]
        if not readable:
            return get_user_model().objects.none()
        return super().users_with_any_permission(readable)


# --- display helpers --------------------------------------------------------


def local_datetime(value: dt.datetime | None) -> str:
    """A timestamp in the admin's time zone (Europe/Paris) and locale."""
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""


def local_date(value: dt.date | None) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def money(amount: Decimal | None, currency: str = "EUR") -> str:
    if amount is None:
        return ""
    symbol = "€" if currency == "EUR" else currency
    return f"{formats.number_format(amount, decimal_pos=2, use_l10n=True)} {symbol}"


def person_label(user) -> str:
    """ "Camille Martin <camille@example.org>", or the email alone when the name is blank."""
    name = user.get_full_name().strip()
    return f"{name} <{user.email}>" if name else user.email or user.get_username()


def link(url: str, text) -> str:
    return format_html('<a href="{}">{}</a>', url, text)


def legal_text_label(legal_text: LegalText) -> str:
    return gettext("%(text)s (effective from %(date)s)") % {
        "text": legal_text,
        "date": local_date(timezone.localdate(legal_text.effective_from)),
    }


def invoice_pdf_link(invoice: Invoice) -> str:
    return link(reverse(f"{INVOICES}:pdf", args=(invoice.pk,)), gettext("Download PDF"))


# --- lists ------------------------------------------------------------------


class StaffIndexView(generic.IndexView):
    """A list in one query for the rows, whatever their number, with a word-by-word search.

    Every word typed must match one of the search fields, so "Camille Martin"
    finds the learner whose first name is Camille and last name Martin.
    """

    list_select_related: tuple[str, ...] = ()

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        return queryset.select_related(*self.list_select_related) if self.list_select_related else queryset

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        for word in self.search_query.split():
            matches = Q()
            for field in self.search_fields or []:
                matches |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(matches)
        return queryset


class InstalmentIndexView(StaffIndexView):
    """Payments to watch: failed ones first, then those in flight, then by due date."""

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .annotate(
                watch_rank=Case(
                    When(status=InstalmentStatus.FAILED, then=Value(0)),
                    When(status=InstalmentStatus.PROCESSING, then=Value(1)),
                    When(status=InstalmentStatus.SCHEDULED, then=Value(2)),
                    default=Value(3),
                    output_field=IntegerField(),
                )
            )
        )


def legal_text_is_accepted(legal_text: LegalText) -> bool:
    return Enrolment.objects.filter(Q(terms=legal_text) | Q(internal_rules=legal_text)).exists()


def legal_text_acceptance_count(legal_text: LegalText) -> int:
    return Enrolment.objects.filter(Q(terms=legal_text) | Q(internal_rules=legal_text)).count()


class LegalTextIndexView(StaffIndexView):
    """Legal texts; accepted versions offer no edit or delete action."""

    def get_base_queryset(self):
        accepted = Enrolment.objects.filter(Q(terms=OuterRef("pk")) | Q(internal_rules=OuterRef("pk")))
        return super().get_base_queryset().annotate(is_accepted=Exists(accepted))

    def get_edit_url(self, instance):
        return None if instance.is_accepted else super().get_edit_url(instance)

    def get_delete_url(self, instance):
        return None if instance.is_accepted else super().get_delete_url(instance)


# --- legal texts: accepted versions are frozen ------------------------------


class AcceptedLegalTextRefusalMixin:
    """Refuses to change or delete a version that an enrolment accepted, with a clear message."""

    def _refusal(self):
        count = legal_text_acceptance_count(self.object)
        messages.error(
            self.request,
            ngettext(
                "%(text)s was accepted by %(count)s enrolment: it can no longer be changed or deleted. "
                "Add a new version instead.",
                "%(text)s was accepted by %(count)s enrolments: it can no longer be changed or deleted. "
                "Add a new version instead.",
                count,
            )
            % {"text": self.object, "count": count},
        )
        return redirect(reverse(f"{LEGAL_TEXTS}:inspect", args=(quote(self.object.pk),)))

    def _is_accepted(self) -> bool:
        # EditView loads its object in get/post, DeleteView in setup.
        if not hasattr(self, "object"):
            self.object = self.get_object()
        return legal_text_is_accepted(self.object)

    # get/post run after the permission check done in dispatch.
    def get(self, request, *args, **kwargs):
        if self._is_accepted():
            return self._refusal()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self._is_accepted():
            return self._refusal()
        return super().post(request, *args, **kwargs)


class LegalTextEditView(AcceptedLegalTextRefusalMixin, generic.EditView):
    pass


class LegalTextDeleteView(AcceptedLegalTextRefusalMixin, generic.DeleteView):
    pass


# --- invoice documents ------------------------------------------------------


class InvoicePdfView(PermissionCheckedMixin, View):
    """The PDF of an invoice or credit note, for staff who may view invoices."""

    model = Invoice
    permission_required = "view"

    def get(self, request, pk: int):
        invoice = get_object_or_404(Invoice, pk=pk)
        # Imported here: WeasyPrint is heavy and only this view needs it.
        from enrolments.documents.pdf import invoice_pdf

        response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice.kind}-{invoice.number}.pdf"'
        return response
