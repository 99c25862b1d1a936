"""A company order's page: where it stands, its documents, and how to pay it (card, transfer or OPCO).

For the organisation's active managers only (``manager_required``); the order
is looked up within the organisation, so another organisation's order is a 404.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.forms.widgets import RadioSelect
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from enrolments.documents.formatting import money
from enrolments.models import Agreement, InvoiceKind, Opco, Order, OrderStatus, Organisation, PaymentWay
from enrolments.payments.base import PaymentError
from enrolments.services.company_payments import (
    invoice_company_order,
    invoice_refusal,
    start_company_card_checkout,
    transfer_days,
)
from enrolments.services.errors import CompanyPaymentRefused, EnrolmentError
from enrolments.services.fulfilment import fulfil_checkout
from enrolments.services.invoicing import opco_name
from enrolments.views.organisation_access import manager_required, organisation_object

ON_INVOICE = (PaymentWay.TRANSFER, PaymentWay.OPCO)


class PaymentWaySelect(RadioSelect):
    """Radio buttons some of which are shown but cannot be chosen (``disabled_values``)."""

    def __init__(self, *args, disabled_values: tuple[str, ...] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.disabled_values = disabled_values

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value in self.disabled_values:
            option["attrs"]["disabled"] = True
        return option


class CompanyPaymentForm(forms.Form):
    """The manager's choice of payment, with the purchase order and, for an OPCO, what it funds."""

    payment_way = forms.ChoiceField(label=gettext_lazy("How do you pay?"), choices=PaymentWay.choices)
    purchase_order_number = forms.CharField(
        label=gettext_lazy("Purchase order number"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Printed on the invoice."),
    )
    opco = forms.ChoiceField(label=gettext_lazy("OPCO"), choices=[("", "—"), *Opco.choices], required=False)
    opco_agreement_number = forms.CharField(
        label=gettext_lazy("OPCO funding agreement number"), max_length=60, required=False
    )
    opco_amount = forms.DecimalField(
        label=gettext_lazy("Amount the OPCO funds (€, tax included)"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
    )

    def __init__(self, *args, order: Order, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        organisation = order.organisation
        self.refusal = invoice_refusal(order)
        way = self.fields["payment_way"]
        way.widget = PaymentWaySelect(choices=way.choices, disabled_values=ON_INVOICE if self.refusal else ())
        way.help_text = self.refusal
        self.fields["opco"].initial = organisation.opco
        self.fields["purchase_order_number"].initial = order.purchase_order_number
        self.fields["opco_amount"].help_text = _("At most the order's total, %(total)s.") % {
            "total": money(order.amount_incl_tax, order.currency)
        }
        if organisation.purchase_order_required:
            po = self.fields["purchase_order_number"]
            po.required = True
            po.help_text = _("Your organisation requires a purchase order number on its invoices.")

    def clean(self):
        data = super().clean()
        way = data.get("payment_way")
        if way in ON_INVOICE and self.refusal:
            self.add_error("payment_way", self.refusal)
        if way == PaymentWay.OPCO:
            for name, message in (
                ("opco", _("Choose the OPCO that funds this training.")),
                ("opco_agreement_number", _("Give the number of the OPCO's funding agreement.")),
                ("opco_amount", _("Give the amount the OPCO funds.")),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
            amount = data.get("opco_amount")
            if amount is not None and amount > self.order.amount_incl_tax:
                self.add_error("opco_amount", _("The OPCO cannot fund more than the order's total."))
        return data


def _order(organisation: Organisation, reference: str) -> Order:
    queryset = Order.objects.select_related("organisation", "session__course", "buyer")
    return organisation_object(queryset, organisation, reference=reference)


def _order_url(order: Order) -> str:
    return reverse("organisations:order", kwargs={"org": order.organisation.public_id, "reference": order.reference})


def _pay(request: HttpRequest, order: Order, form: CompanyPaymentForm) -> HttpResponse | None:
    """Act on a valid choice; None when it was refused (the reason is added to the form)."""
    data = form.cleaned_data
    way = data["payment_way"]
    try:
        if way == PaymentWay.CARD:
            return_url = reverse(
                "organisations:order_return", kwargs={"org": order.organisation.public_id, "reference": order.reference}
            )
            url = start_company_card_checkout(
                order=order,
                success_url=request.build_absolute_uri(return_url) + "?checkout_id={CHECKOUT_SESSION_ID}",
                cancel_url=request.build_absolute_uri(_order_url(order)),
                language=translation.get_language(),
                purchase_order_number=data["purchase_order_number"],
            )
            return redirect(url)
        invoices = invoice_company_order(
            order=order,
            by=request.user,
            payment_way=way,
            purchase_order_number=data["purchase_order_number"],
            opco=data["opco"],
            opco_amount=data["opco_amount"],
            opco_agreement_number=data["opco_agreement_number"],
        )
    except CompanyPaymentRefused as refusal:
        form.add_error(None, refusal.message)
        return None
    except PaymentError:
        form.add_error(None, _("We could not reach the payment service. Please try again in a few minutes."))
        return None
    messages.success(
        request,
        _("Your invoices were issued and emailed: %(numbers)s. Your employees can use their places now.")
        % {"numbers": ", ".join(invoice.number for invoice in invoices)},
    )
    return redirect(_order_url(order))


@manager_required
@require_http_methods(["GET", "POST"])
def order_detail(request: HttpRequest, organisation: Organisation, reference: str) -> HttpResponse:
    """The order, its agreement and invoices; while PENDING, the three ways to pay it."""
    order = _order(organisation, reference)
    form = None
    status = 200
    if order.status == OrderStatus.PENDING:
        form = CompanyPaymentForm(request.POST or None, order=order)
        if request.method == "POST":
            if form.is_valid():
                response = _pay(request, order, form)
                if response is not None:
                    return response
            status = 400
    elif request.method == "POST":
        messages.info(request, _("This order is no longer awaiting payment."))
        return redirect(_order_url(order))
    invoices = list(order.invoices.order_by("sequence"))
    context = {
        "organisation": organisation,
        "order": order,
        "course": order.session.course.localized,
        "agreement": Agreement.objects.filter(order=order).first(),
        "invoices": invoices,
        "unpaid_invoices": [i for i in invoices if i.kind == InvoiceKind.INVOICE and i.paid_at is None],
        "form": form,
        "transfer_days": transfer_days(order) if order.release_on else None,
        "seats_open": order.status in (OrderStatus.PAID, OrderStatus.INVOICED),
        "opco_name": opco_name(order.opco) if order.opco else "",
    }
    return render(request, "enrolments/organisations/order.html", context, status=status)


@manager_required
@require_GET
def order_return(request: HttpRequest, organisation: Organisation, reference: str) -> HttpResponse:
    """Back from the card payment page: the same fulfilment as the webhook runs, then the outcome."""
    order = _order(organisation, reference)
    # The order's own checkout wins: the query string only helps if none was recorded.
    checkout_id = order.checkout_id or request.GET.get("checkout_id", "")
    if checkout_id and order.status == OrderStatus.PENDING:
        try:
            fulfil_checkout(checkout_id=checkout_id, backend_name=order.payment_backend or None)
        except PaymentError:
            messages.warning(
                request,
                _("We could not reach the payment service yet: we will email you once your payment is confirmed."),
            )
        except EnrolmentError as error:
            messages.error(request, error.message)
        order.refresh_from_db()
    context = {"organisation": organisation, "order": order, "paid": order.status == OrderStatus.PAID}
    return render(request, "enrolments/organisations/order_return.html", context)
