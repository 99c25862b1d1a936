"""Serializers of the managers' API: their organisations, seats, orders and invoices."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.account_serializers import AttendanceSerializer, attendance_data
from enrolments.models import Invoice, Order, Organisation, Seat


class OrganisationSerializer(serializers.ModelSerializer):
    verified = serializers.BooleanField(source="is_verified", read_only=True)

    class Meta:
        model = Organisation
        fields = ("public_id", "name", "siret", "verified")


class SeatSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    session_code = serializers.CharField(source="session.code")
    order = serializers.CharField(source="order.reference")
    holder_name = serializers.SerializerMethodField()
    attendance = serializers.SerializerMethodField(
        help_text=_("The employee's attendance register; null while the seat has no enrolment.")
    )

    class Meta:
        model = Seat
        fields = (
            "id",
            "session_code",
            "order",
            "status",
            "email",
            "holder_name",
            "assigned_at",
            "claimed_at",
            "attendance",
        )

    def get_holder_name(self, seat: Seat) -> str:
        return seat.holder.get_full_name() if seat.holder else ""

    @extend_schema_field(AttendanceSerializer(allow_null=True))
    def get_attendance(self, seat: Seat) -> dict | None:
        return attendance_data(seat.enrolment, self.context) if seat.enrolment is not None else None


class SeatEmailSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text=_("The employee's email address: they receive the claim link."))


class OrderSerializer(serializers.ModelSerializer):
    session_code = serializers.CharField(source="session.code")

    class Meta:
        model = Order
        fields = (
            "reference",
            "session_code",
            "status",
            "quantity",
            "payment_way",
            "purchase_order_number",
            "amount_excl_tax",
            "amount_incl_tax",
            "currency",
            "release_on",
            "created_at",
        )


class InvoiceSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.reference")

    class Meta:
        model = Invoice
        fields = (
            "number",
            "kind",
            "payer",
            "order",
            "total_excl_tax",
            "total_vat",
            "total_incl_tax",
            "currency",
            "issued_at",
            "due_on",
            "paid_at",
            "hosted_url",
        )
