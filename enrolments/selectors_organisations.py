"""Reads for an organisation's space: its orders, quotes, seats, employees and documents.

Every selector reads in a constant number of queries, whatever the number of
orders, seats or invoices: rows come with ``select_related``/``prefetch_related``
and the course titles (and links, when a request is given) in the page's
language from ``courses.calendar.course_links``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone, translation

from catalogue.models import CoursePage
from courses.calendar import CourseLink, course_links
from courses.models import Session, TimetableSlot
from enrolments.models import (
    Agreement,
    Enrolment,
    EnrolmentStatus,
    Invoice,
    Order,
    OrderStatus,
    Organisation,
    Quote,
    QuoteStatus,
    Seat,
    SeatStatus,
)
from enrolments.services.attendance import AttendanceSummary, attendance_by_enrolment

#: Company orders whose seats exist or will: accepted, invoiced or paid (not cancelled or released).
LIVE_ORDER_STATUSES = (OrderStatus.PENDING, OrderStatus.INVOICED, OrderStatus.PAID)
#: Live orders not paid yet: their seats are released on ``order.release_on``.
UNPAID_ORDER_STATUSES = (OrderStatus.PENDING, OrderStatus.INVOICED)
NO_COURSE = CourseLink(title="", url=None)


# --- what the pages show ----------------------------------------------------------------------


@dataclass
class OrderRow:
    """A company order with its quote, agreement and invoices."""

    order: Order
    course: CourseLink
    agreement: Agreement | None
    quote: Quote | None
    invoices: list[Invoice]

    @property
    def is_live(self) -> bool:
        return self.order.status in LIVE_ORDER_STATUSES

    @property
    def is_unpaid(self) -> bool:
        return self.order.status in UNPAID_ORDER_STATUSES


@dataclass
class QuoteRow:
    """A quote and the course it is for."""

    quote: Quote
    course: CourseLink

    @property
    def is_open(self) -> bool:
        """Issued and still valid: the manager may accept it."""
        quote = self.quote
        return quote.status == QuoteStatus.ISSUED and quote.valid_until >= timezone.localdate()

    @property
    def has_lapsed(self) -> bool:
        """Issued, never accepted, and past its validity (the expiry job has not marked it yet)."""
        quote = self.quote
        return quote.status == QuoteStatus.EXPIRED or (
            quote.status == QuoteStatus.ISSUED and quote.valid_until < timezone.localdate()
        )


@dataclass
class EmployeeRow:
    """An employee holding a claimed seat, with what the LMS reported about their course."""

    seat: Seat
    enrolment: Enrolment | None
    name: str
    criteria_met: int
    criteria_total: int
    # What the attendance register says (None without an enrolment).
    attendance: AttendanceSummary | None = None

    @property
    def is_completed(self) -> bool:
        return self.enrolment is not None and self.enrolment.status == EnrolmentStatus.COMPLETED


@dataclass
class SessionSeats:
    """An organisation's seats in one session, over all its live orders for it."""

    session: Session
    course: CourseLink
    orders: list[Order] = field(default_factory=list)
    assigned: int = 0
    claimed: int = 0
    free: int = 0
    # The first slot that has not ended yet (None once the session is over).
    next_slot: TimetableSlot | None = None
    # The earliest date unpaid seats are released, when some order is not paid yet.
    release_on: dt.date | None = None
    employees: list[EmployeeRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.assigned + self.claimed + self.free


@dataclass
class OrganisationOverview:
    """The manager's home: orders, open quotes, seats per session and employees."""

    orders: list[OrderRow]
    open_quotes: list[QuoteRow]
    sessions: list[SessionSeats]

    @property
    def is_empty(self) -> bool:
        return not (self.orders or self.open_quotes)


@dataclass
class OrganisationDocuments:
    """Every quote, training agreement, invoice and credit note of an organisation."""

    quotes: list[QuoteRow]
    agreements: list[tuple[Agreement, CourseLink]]
    invoices: list[tuple[Invoice, CourseLink]]

    @property
    def is_empty(self) -> bool:
        return not (self.quotes or self.agreements or self.invoices)


# --- helpers ------------------------------------------------------------------------------------


def _language() -> str:
    return translation.get_supported_language_variant(translation.get_language() or settings.LANGUAGE_CODE)


def _courses(course_ids: set[int], request: HttpRequest | None) -> dict[int, CourseLink]:
    """Course titles (and absolute links with a request) in the page's language; two or three queries."""
    if not course_ids:
        return {}
    if request is not None:
        return course_links(course_ids=course_ids, request=request, language=_language())
    titles = CoursePage.objects.filter(pk__in=course_ids).values_list("pk", "title")
    return {pk: CourseLink(title=title, url=None) for pk, title in titles}


def criteria_counts(enrolment: Enrolment | None) -> tuple[int, int]:
    """(criteria met, criteria reported) from the LMS's completion details."""
    if enrolment is None:
        return 0, 0
    criteria = [line for line in enrolment.completion_details or [] if isinstance(line, dict)]
    return sum(1 for line in criteria if line.get("complete")), len(criteria)


def _next_slot(slots: list[TimetableSlot], now: dt.datetime) -> TimetableSlot | None:
    return next((slot for slot in slots if slot.ends_at > now), None)


def _sorted_sessions(rows: list[SessionSeats], now: dt.datetime) -> list[SessionSeats]:
    """Sessions to come first (soonest first), then past ones (latest first)."""
    upcoming = sorted((r for r in rows if r.session.ends_at >= now), key=lambda r: r.session.starts_at)
    past = sorted((r for r in rows if r.session.ends_at < now), key=lambda r: r.session.starts_at, reverse=True)
    return upcoming + past


# --- selectors ----------------------------------------------------------------------------------


def organisation_orders(*, organisation: Organisation) -> list[Order]:
    """The organisation's orders, newest first, with session, agreement, quote, invoices and slots (3 queries)."""
    return list(
        Order.objects.filter(organisation=organisation)
        .select_related("session", "agreement", "agreement__quote")
        .prefetch_related(
            Prefetch("invoices", queryset=Invoice.objects.order_by("issued_at", "pk")),
            Prefetch("session__slots", queryset=TimetableSlot.objects.order_by("date", "start_time", "pk")),
        )
        .order_by("-created_at", "-pk")
    )


def organisation_overview(
    *, organisation: Organisation, request: HttpRequest | None = None, now: dt.datetime | None = None
) -> OrganisationOverview:
    """Everything the manager's home shows, in a constant number of queries (about seven)."""
    now = now or timezone.now()
    orders = organisation_orders(organisation=organisation)
    quotes = list(
        Quote.objects.filter(
            organisation=organisation, status=QuoteStatus.ISSUED, valid_until__gte=timezone.localdate(now)
        )
        .select_related("session")
        .order_by("valid_until", "pk")
    )
    seats = list(
        Seat.objects.filter(
            organisation=organisation,
            order__status__in=LIVE_ORDER_STATUSES,
            status__in=(SeatStatus.FREE, SeatStatus.ASSIGNED, SeatStatus.CLAIMED),
        )
        .select_related("holder", "enrolment")
        .order_by("session_id", "claimed_at", "pk")
    )
    course_ids = {o.session.course_id for o in orders} | {q.session.course_id for q in quotes}
    courses = _courses(course_ids, request)

    order_rows = []
    by_session: dict[int, SessionSeats] = {}
    for order in orders:
        agreement = getattr(order, "agreement", None)
        course = courses.get(order.session.course_id, NO_COURSE)
        order_rows.append(
            OrderRow(
                order=order,
                course=course,
                agreement=agreement,
                quote=agreement.quote if agreement is not None else None,
                invoices=list(order.invoices.all()),
            )
        )
        if order.status not in LIVE_ORDER_STATUSES:
            continue
        row = by_session.get(order.session_id)
        if row is None:
            row = by_session[order.session_id] = SessionSeats(
                session=order.session, course=course, next_slot=_next_slot(list(order.session.slots.all()), now)
            )
        row.orders.append(order)
        if order.status in UNPAID_ORDER_STATUSES and order.release_on is not None:
            row.release_on = min(filter(None, [row.release_on, order.release_on]))

    for seat in seats:
        row = by_session.get(seat.session_id)
        if row is None:  # a seat of a live order of the organisation always has its row; be safe
            continue
        if seat.status == SeatStatus.FREE:
            row.free += 1
        elif seat.status == SeatStatus.ASSIGNED:
            row.assigned += 1
        else:
            row.claimed += 1
            holder = seat.holder
            name = (holder.get_full_name() or holder.email) if holder is not None else seat.email
            met, total = criteria_counts(seat.enrolment)
            if seat.enrolment is not None and seat.enrolment.session_id == row.session.pk:
                # The session already read with its slots: the attendance totals need no query per session.
                seat.enrolment.session = row.session
            row.employees.append(
                EmployeeRow(seat=seat, enrolment=seat.enrolment, name=name, criteria_met=met, criteria_total=total)
            )

    employees = [employee for row in by_session.values() for employee in row.employees]
    attendance = attendance_by_enrolment(employee.enrolment for employee in employees if employee.enrolment)
    for employee in employees:
        if employee.enrolment is not None:
            employee.attendance = attendance[employee.enrolment.pk]

    return OrganisationOverview(
        orders=order_rows,
        open_quotes=[QuoteRow(quote=q, course=courses.get(q.session.course_id, NO_COURSE)) for q in quotes],
        sessions=_sorted_sessions(list(by_session.values()), now),
    )


def organisation_documents(*, organisation: Organisation, request: HttpRequest | None = None) -> OrganisationDocuments:
    """The organisation's quotes, agreements, invoices and credit notes, newest first (about five queries).

    Invoices are those of the organisation's own orders only: a manager's
    individual purchases (orders without an organisation) never show here.
    """
    quotes = list(
        Quote.objects.filter(organisation=organisation).select_related("session").order_by("-issued_at", "-pk")
    )
    agreements = list(
        Agreement.objects.filter(organisation=organisation, order__organisation=organisation)
        .select_related("order", "order__session", "quote")
        .order_by("-issued_at", "-pk")
    )
    invoices = list(
        Invoice.objects.filter(order__organisation=organisation)
        .select_related("order", "order__session", "credited_invoice")
        .order_by("-issued_at", "-pk")
    )
    course_ids = (
        {q.session.course_id for q in quotes}
        | {a.order.session.course_id for a in agreements}
        | {i.order.session.course_id for i in invoices}
    )
    courses = _courses(course_ids, request)
    return OrganisationDocuments(
        quotes=[QuoteRow(quote=q, course=courses.get(q.session.course_id, NO_COURSE)) for q in quotes],
        agreements=[(a, courses.get(a.order.session.course_id, NO_COURSE)) for a in agreements],
        invoices=[(i, courses.get(i.order.session.course_id, NO_COURSE)) for i in invoices],
    )


def organisation_invoice(*, organisation: Organisation, pk: int) -> Invoice | None:
    """The invoice or credit note ``pk`` if it belongs to one of the organisation's orders."""
    return Invoice.objects.select_related("order").filter(pk=pk, order__organisation=organisation).first()


def organisation_completed_enrolment(*, organisation: Organisation, public_id) -> Enrolment | None:
    """The completed enrolment ``public_id`` of a seat the organisation bought, else None."""
    return (
        Enrolment.objects.select_related("session", "learner")
        .filter(public_id=public_id, status=EnrolmentStatus.COMPLETED, seat__organisation=organisation)
        .first()
    )
