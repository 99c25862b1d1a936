"""A company order's seats, for the organisation's managers: who has them, assigning, codes.

Access policy: every view is ``manager_required`` (active managers of the
URL's organisation; anyone else gets a 404, an anonymous visitor the login
page), and looks the order or seat up *within* that organisation. Only
orders that are paid or invoiced have seats to manage: the page of a pending
order says so, and its actions are 404s. Changes are POSTs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import F, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from courses.calendar import CourseLink, course_links
from enrolments.forms.seats import SeatEmailForm, SeatListForm
from enrolments.models import Order, OrderStatus, Organisation, Seat, SeatStatus
from enrolments.services.errors import EnrolmentError
from enrolments.services.seats import (
    USABLE_ORDER_STATUSES,
    AssignmentReport,
    seat_assign,
    seat_codes_issue,
    seat_reassign,
    seat_revoke,
    seats_assign_many,
)
from enrolments.views.organisation_access import manager_required, organisation_object


@dataclass(frozen=True, slots=True)
class SeatCounts:
    total: int
    claimed: int
    assigned: int
    free: int


def _order(organisation: Organisation, reference: str) -> Order:
    queryset = Order.objects.select_related("session", "session__venue").prefetch_related(
        Prefetch("seats", queryset=Seat.objects.select_related("holder", "enrolment").order_by("pk"))
    )
    return organisation_object(queryset, organisation, reference=reference)


def _course(request: HttpRequest, order: Order) -> CourseLink:
    language = translation.get_supported_language_variant(translation.get_language() or settings.LANGUAGE_CODE)
    links = course_links(course_ids=[order.session.course_id], request=request, language=language)
    return links.get(order.session.course_id, CourseLink(title=order.session.code, url=None))


def _seats_url(organisation: Organisation, order: Order) -> str:
    return reverse("organisations:seats", args=[organisation.public_id, order.reference])


def _render(
    request: HttpRequest,
    organisation: Organisation,
    order: Order,
    *,
    assign_form: SeatEmailForm | None = None,
    list_form: SeatListForm | None = None,
    report: AssignmentReport | None = None,
    list_errors: list[str] | None = None,
    reassign_forms: dict[int, SeatEmailForm] | None = None,
) -> HttpResponse:
    seats = [seat for seat in order.seats.all() if seat.status != SeatStatus.CANCELLED]
    counts = SeatCounts(
        total=len(seats),
        claimed=sum(seat.status == SeatStatus.CLAIMED for seat in seats),
        assigned=sum(seat.status == SeatStatus.ASSIGNED for seat in seats),
        free=sum(seat.status == SeatStatus.FREE for seat in seats),
    )
    reassign_forms = reassign_forms or {}
    rows = [
        (
            seat,
            reassign_forms.get(seat.pk)
            or SeatEmailForm(auto_id=f"id_reassign_{seat.public_id}_%s", initial={"email": ""}),
        )
        for seat in seats
    ]
    context = {
        "organisation": organisation,
        "order": order,
        "session": order.session,
        "course": _course(request, order),
        "usable": order.status in USABLE_ORDER_STATUSES,
        "started": order.session.starts_at <= timezone.now(),
        "rows": rows,
        "counts": counts,
        "assign_form": assign_form or SeatEmailForm(auto_id="id_assign_%s"),
        "list_form": list_form or SeatListForm(auto_id="id_list_%s"),
        "report": report,
        "list_errors": list_errors or [],
    }
    return render(request, "enrolments/organisations/seats.html", context)


@manager_required
@require_http_methods(["GET", "POST"])
def seats(request: HttpRequest, organisation: Organisation, reference: str) -> HttpResponse:
    """The order's seats and who holds them; POST assigns one email (``action=assign``) or a list (``action=list``)."""
    order = _order(organisation, reference)
    if request.method == "GET" or order.status not in USABLE_ORDER_STATUSES:
        return _render(request, organisation, order)
    if order.session.starts_at <= timezone.now():
        # The forms are gone from the page: say it above the seats rather than on a hidden field.
        messages.error(request, _("The session has started: its seats can no longer be assigned or changed."))
        return redirect(_seats_url(organisation, order))
    if request.POST.get("action") == "list":
        return _assign_list(request, organisation, order)
    form = SeatEmailForm(request.POST, auto_id="id_assign_%s")
    if form.is_valid():
        seat = (
            Seat.objects.filter(order=order, status=SeatStatus.FREE)
            # A seat without a code first: codes already handed out keep working.
            .order_by(F("code").asc(nulls_first=True), "pk")
            .first()
        )
        if seat is None:
            messages.error(request, _("All the seats of this order are assigned."))
            return redirect(_seats_url(organisation, order))
        else:
            try:
                seat_assign(seat=seat, email=form.cleaned_data["email"], by=request.user)
            except EnrolmentError as error:
                form.add_error("email", error.message)
            else:
                messages.success(
                    request,
                    _("%(email)s is invited: they received an email with their link.")
                    % {"email": form.cleaned_data["email"]},
                )
                return redirect(_seats_url(organisation, order))
    return _render(request, organisation, order, assign_form=form)


def _assign_list(request: HttpRequest, organisation: Organisation, order: Order) -> HttpResponse:
    form = SeatListForm(request.POST, request.FILES, auto_id="id_list_%s")
    if not form.is_valid():
        return _render(request, organisation, order, list_form=form)
    list_errors = form.cleaned_data["list_errors"]
    report = seats_assign_many(order=order, emails=form.cleaned_data["emails_found"], by=request.user)
    if report.assigned and not (list_errors or report.problems or report.duplicates):
        messages.success(
            request,
            ngettext(
                "%(count)d person invited: each received an email with their link.",
                "%(count)d people invited: each received an email with their link.",
                len(report.assigned),
            )
            % {"count": len(report.assigned)},
        )
        return redirect(_seats_url(organisation, order))
    # Something to read: the page again, with the report and what was typed (the file must be chosen again).
    order = _order(organisation, order.reference)
    return _render(request, organisation, order, list_form=form, report=report, list_errors=list_errors)


def _usable_seat(organisation: Organisation, public_id) -> Seat:
    queryset = Seat.objects.select_related("order", "order__session")
    return organisation_object(queryset, organisation, public_id=public_id, order__status__in=USABLE_ORDER_STATUSES)


@manager_required
@require_POST
def reassign(request: HttpRequest, organisation: Organisation, seat) -> HttpResponse:
    """Give an assigned or claimed seat to another email; the previous holder is unenrolled and told."""
    seat = _usable_seat(organisation, seat)
    form = SeatEmailForm(request.POST, auto_id=f"id_reassign_{seat.public_id}_%s")
    if form.is_valid():
        try:
            seat_reassign(seat=seat, email=form.cleaned_data["email"], by=request.user)
        except EnrolmentError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request,
                _("The seat is now assigned to %(email)s, who received an invitation.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect(_seats_url(organisation, seat.order))
    order = _order(organisation, seat.order.reference)
    return _render(request, organisation, order, reassign_forms={seat.pk: form})


@manager_required
@require_POST
def revoke(request: HttpRequest, organisation: Organisation, seat) -> HttpResponse:
    """Take a seat back: it becomes free again; its holder, if enrolled, is unenrolled and told."""
    seat = _usable_seat(organisation, seat)
    try:
        seat_revoke(seat=seat, by=request.user)
    except EnrolmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The seat is free again."))
    return redirect(_seats_url(organisation, seat.order))


@manager_required
@require_POST
def codes_csv(request: HttpRequest, organisation: Organisation, reference: str) -> HttpResponse:
    """A CSV of single-use codes, one per free seat (issued now for seats that had none)."""
    order = organisation_object(
        Order.objects.select_related("session"),
        organisation,
        reference=reference,
        status__in=[OrderStatus.PAID, OrderStatus.INVOICED],
    )
    try:
        seats = seat_codes_issue(order=order, by=request.user)
    except EnrolmentError as error:
        messages.error(request, error.message)
        return redirect(_seats_url(organisation, order))
    if not seats:
        messages.info(request, _("No seat is free: there is no code to hand out."))
        return redirect(_seats_url(organisation, order))
    course = _course(request, order)
    redeem = request.build_absolute_uri(reverse("organisations:redeem"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="codes-{order.session.code}-{order.reference}.csv"'
    # The BOM and the semicolons: Excel (in French) opens it in columns, with accents intact.
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("code"), _("session"), _("course"), _("where to use it")])
    for seat in seats:
        url = f"{redeem}?{urlencode({'session': order.session.code, 'code': seat.code})}"
        writer.writerow([seat.code, order.session.code, course.title, url])
    return response
