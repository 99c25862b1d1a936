"""``/api/v1/organisations/…``: what an organisation's active managers see and do on its pages.

The same rule as ``enrolments.views.organisation_access``: an organisation the
caller does not manage (staff included) is a 404, exactly like one that does
not exist, and every seat is looked up *within* the organisation.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from api.account_views import PAGE_BEYOND_THE_LAST, ActionRefused
from api.error_schema import errors
from api.organisation_serializers import (
    InvoiceSerializer,
    OrderSerializer,
    OrganisationSerializer,
    SeatEmailSerializer,
    SeatSerializer,
)
from api.permissions import SignedInAPI
from enrolments.models import Invoice, Order, Seat
from enrolments.services.attendance import attendance_by_enrolment
from enrolments.services.seats import USABLE_ORDER_STATUSES, SeatRefused, seat_assign, seat_reassign, seat_revoke
from enrolments.views.organisation_access import managed_organisation, managed_organisations, organisation_object


class OrganisationListView(SignedInAPI, generics.ListAPIView):
    """The organisations the caller manages."""

    serializer_class = OrganisationSerializer

    def get_queryset(self):
        return managed_organisations(self.request.user).order_by("name", "pk")

    @extend_schema(
        operation_id="organisations_list",
        responses={200: OrganisationSerializer(many=True), **errors(401, 404, e404=PAGE_BEYOND_THE_LAST)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


#: The organisation lists' 404: an organisation that is not the caller's, or a page beyond the last.
MANAGED_LIST_ERRORS = errors(401, 404, e404=_("Not found, not yours, or a page beyond the last one."))


class ManagedListView(SignedInAPI, generics.ListAPIView):
    """A list of one managed organisation's rows (``org`` in the URL)."""

    def get_queryset(self):
        organisation = managed_organisation(self.request, self.kwargs["org"])
        return self.rows(organisation)

    def rows(self, organisation):
        raise NotImplementedError


def usable_seats(organisation):
    """The seats of the organisation's paid or invoiced orders, as the seats page lists them."""
    return (
        Seat.objects.filter(organisation=organisation, order__status__in=USABLE_ORDER_STATUSES)
        .select_related("session", "order", "holder", "enrolment__session")
        .prefetch_related("enrolment__session__slots")  # the attendance totals
        .order_by("session__starts_at", "order_id", "pk")
    )


class SeatListView(ManagedListView):
    serializer_class = SeatSerializer

    def rows(self, organisation):
        return usable_seats(organisation)

    def get_serializer(self, *args, **kwargs):
        seats = args[0] if args else []
        # The page's attendance in one query (the enrolments' slots are prefetched).
        attendance = attendance_by_enrolment(seat.enrolment for seat in seats if seat.enrolment is not None)
        kwargs["context"] = self.get_serializer_context() | {"attendance": attendance}
        return self.serializer_class(*args, **kwargs)

    @extend_schema(
        operation_id="organisation_seats_list", responses={200: SeatSerializer(many=True), **MANAGED_LIST_ERRORS}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrderListView(ManagedListView):
    serializer_class = OrderSerializer

    def rows(self, organisation):
        return Order.objects.filter(organisation=organisation).select_related("session").order_by("-created_at", "-pk")

    @extend_schema(
        operation_id="organisation_orders_list", responses={200: OrderSerializer(many=True), **MANAGED_LIST_ERRORS}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class InvoiceListView(ManagedListView):
    serializer_class = InvoiceSerializer

    def rows(self, organisation):
        return (
            Invoice.objects.filter(order__organisation=organisation)
            .select_related("order")
            .order_by("-issued_at", "-pk")
        )

    @extend_schema(
        operation_id="organisation_invoices_list", responses={200: InvoiceSerializer(many=True), **MANAGED_LIST_ERRORS}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SeatActionView(SignedInAPI, APIView):
    """One action of a manager on one seat; the seat services decide, a refusal is a 409."""

    needs_email = True

    def act(self, seat: Seat, request, data: dict) -> Seat:
        raise NotImplementedError

    def post(self, request, org, seat):
        organisation = managed_organisation(request, org)
        target = organisation_object(usable_seats(organisation), organisation, public_id=seat)
        data = {}
        if self.needs_email:
            serializer = SeatEmailSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        try:
            self.act(target, request, data)
        except SeatRefused as error:
            raise ActionRefused(str(error.message)) from None
        return Response(SeatSerializer(usable_seats(organisation).get(pk=target.pk)).data)


SEAT_ACTION_ERRORS = errors(400, 401, 403, 404, 409)


class SeatAssignView(SeatActionView):
    def act(self, seat, request, data):
        return seat_assign(seat=seat, email=data["email"], by=request.user)

    @extend_schema(
        operation_id="organisation_seat_assign",
        request=SeatEmailSerializer,
        responses={200: SeatSerializer, **SEAT_ACTION_ERRORS},
        description="Name an employee on a free seat: they receive the invitation with the claim link.",
    )
    def post(self, request, org, seat):
        return super().post(request, org, seat)


class SeatReassignView(SeatActionView):
    def act(self, seat, request, data):
        return seat_reassign(seat=seat, email=data["email"], by=request.user)

    @extend_schema(
        operation_id="organisation_seat_reassign",
        request=SeatEmailSerializer,
        responses={200: SeatSerializer, **SEAT_ACTION_ERRORS},
        description="Give an assigned or claimed seat to someone else; the first person is unenrolled.",
    )
    def post(self, request, org, seat):
        return super().post(request, org, seat)


class SeatRevokeView(SeatActionView):
    needs_email = False

    def act(self, seat, request, data):
        return seat_revoke(seat=seat, by=request.user)

    @extend_schema(
        operation_id="organisation_seat_revoke",
        request=None,
        responses={200: SeatSerializer, **errors(401, 403, 404, 409)},
        description="Take a seat back: it is free again and its holder is unenrolled.",
    )
    def post(self, request, org, seat):
        return super().post(request, org, seat)
