"""The learner's space (``/mon-espace/``): enrolments, payments, withdrawal and cancellation.

Access policy: every view needs a signed-in person and only ever shows or
changes that person's own rows; anyone else's enrolment, waitlist entry or
instalment is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from courses.templatetags.session_tags import euros
from enrolments.models import Enrolment, EnrolmentStatus, Instalment, InstalmentStatus, WaitlistEntry
from enrolments.payments.base import PaymentError
from enrolments.selectors import cancellation_preview, learner_dashboard
from enrolments.services.enrolment import enrolment_cancel, enrolment_withdraw, in_withdrawal_period
from enrolments.services.errors import EnrolmentError
from enrolments.services.waitlist import waitlist_leave
from enrolments.views.feeds import learner_feed_url

HOME = "dashboard:home"


def _own_enrolment(request: HttpRequest, public_id) -> Enrolment:
    queryset = Enrolment.objects.select_related("session", "order")
    return get_object_or_404(queryset, public_id=public_id, learner=request.user)


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Holds to finish, current and past enrolments with their schedule and payments, the waitlist."""
    dashboard = learner_dashboard(user=request.user, request=request)
    context = {"dashboard": dashboard, "feed_url": learner_feed_url(request, request.user)}
    return render(request, "enrolments/dashboard/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, public_id) -> HttpResponse:
    """Withdraw within the withdrawal period: free. GET asks for confirmation, POST withdraws."""
    enrolment = _own_enrolment(request, public_id)
    if enrolment.status != EnrolmentStatus.CONFIRMED:
        messages.info(request, _("This enrolment can no longer be changed."))
        return redirect(HOME)
    if not in_withdrawal_period(enrolment, timezone.now()):
        return redirect("dashboard:cancel", public_id=enrolment.public_id)
    if request.method == "POST":
        try:
            enrolment_withdraw(enrolment=enrolment)
        except EnrolmentError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("You have withdrawn from %(session)s. Nothing will be charged, and anything paid will be refunded.")
                % {"session": enrolment.session.code},
            )
        return redirect(HOME)
    return render(request, "enrolments/dashboard/withdraw.html", {"enrolment": enrolment})


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, public_id) -> HttpResponse:
    """Cancel after the withdrawal period: GET shows what the cancellation terms refund, POST cancels."""
    enrolment = _own_enrolment(request, public_id)
    now = timezone.now()
    if enrolment.status != EnrolmentStatus.CONFIRMED:
        messages.info(request, _("This enrolment can no longer be changed."))
        return redirect(HOME)
    if in_withdrawal_period(enrolment, now):
        return redirect("dashboard:withdraw", public_id=enrolment.public_id)
    if now >= enrolment.session.starts_at:
        messages.error(request, _("The session has started: please contact us to stop your training."))
        return redirect(HOME)
    preview = cancellation_preview(enrolment=enrolment, now=now)
    if request.method == "POST":
        try:
            enrolment_cancel(enrolment=enrolment, now=now)
        except EnrolmentError as error:
            messages.error(request, error.message)
        else:
            if preview.refund:
                text = _("Your enrolment in %(session)s is cancelled. %(refund)s will be refunded to your card.")
            else:
                text = _("Your enrolment in %(session)s is cancelled.")
            messages.success(request, text % {"session": enrolment.session.code, "refund": euros(preview.refund)})
        return redirect(HOME)
    context = {"enrolment": enrolment, "preview": preview}
    return render(request, "enrolments/dashboard/cancel.html", context)


@login_required
@require_POST
def leave_waitlist(request: HttpRequest, public_id) -> HttpResponse:
    entry = get_object_or_404(WaitlistEntry.objects.select_related("session"), public_id=public_id, person=request.user)
    waitlist_leave(entry=entry)
    messages.success(request, _("You have left the waitlist of %(session)s.") % {"session": entry.session.code})
    return redirect(HOME)


# --- a failed instalment ---------------------------------------------------------------------


def _own_instalment(request: HttpRequest, pk: int) -> Instalment:
    # Only the order's buyer pays: a company's seat is not the learner's to pay.
    queryset = Instalment.objects.select_related("order", "order__session")
    return get_object_or_404(queryset, pk=pk, order__buyer=request.user)


def start_instalment_payment(request: HttpRequest, instalment: Instalment) -> str:
    """The payment provider's page that pays ``instalment`` now with a new card (the payments helper's service)."""
    from enrolments.services.fulfilment import start_instalment_checkout

    # {CHECKOUT_SESSION_ID} is filled in by the provider (Stripe and the dummy alike).
    success_url = request.build_absolute_uri(reverse("dashboard:instalment_return", args=[instalment.pk]))
    cancel_url = request.build_absolute_uri(reverse("dashboard:instalment_pay", args=[instalment.pk]))
    return start_instalment_checkout(
        instalment=instalment, success_url=success_url + "?checkout_id={CHECKOUT_SESSION_ID}", cancel_url=cancel_url
    )


@login_required
@require_http_methods(["GET", "POST"])
def instalment_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """``paiements/<id>/regler/``: update my card and pay a failed instalment now."""
    instalment = _own_instalment(request, pk)
    if instalment.status != InstalmentStatus.FAILED:
        messages.info(request, _("Nothing is due on this instalment now."))
        return redirect(HOME)
    if request.method == "POST":
        try:
            return HttpResponseRedirect(start_instalment_payment(request, instalment))
        except EnrolmentError as error:
            messages.error(request, error.message)
        except PaymentError:
            messages.error(request, _("The payment service is not answering. Please try again in a few minutes."))
    return render(request, "enrolments/dashboard/instalment_pay.html", {"instalment": instalment})


@login_required
@require_safe
def instalment_return(request: HttpRequest, pk: int) -> HttpResponse:
    """Back from the payment page: record the payment now (the webhook may come later, or first)."""
    from enrolments.services.fulfilment import fulfil_checkout

    instalment = _own_instalment(request, pk)
    checkout_id = request.GET.get("checkout_id", "")
    if checkout_id and instalment.status != InstalmentStatus.PAID:
        try:
            fulfil_checkout(checkout_id=checkout_id, backend_name=instalment.order.payment_backend or None)
        except EnrolmentError as error:
            messages.error(request, error.message)
        except PaymentError:
            messages.warning(request, _("Your payment is being confirmed; this page will show it shortly."))
        instalment.refresh_from_db()
    if instalment.status == InstalmentStatus.PAID:
        messages.success(
            request, _("Thank you: your payment of %(amount)s is received.") % {"amount": euros(instalment.amount)}
        )
    elif instalment.status == InstalmentStatus.FAILED:
        messages.warning(request, _("The payment did not go through. You can try again with another card."))
    else:
        messages.info(request, _("Your payment is being confirmed; this page will show it shortly."))
    return redirect(HOME)
