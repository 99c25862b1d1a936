"""Serializers of the signed-in person's API: the profile and the enrolments."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from enrolments.forms.profile import ProfileForm
from enrolments.models import Enrolment, EnrolmentStatus, User
from enrolments.models.accounts import PROFILE_FIELDS
from enrolments.services.attendance import AttendanceSummary, attendance_by_enrolment


class ProfileSerializer(serializers.ModelSerializer):
    """The person's profile; names, address, phone, situation and language can be changed (PATCH).

    Changes are checked by the profile page's own form, so the API and the page
    accept and refuse the same values, with the same messages.
    """

    class Meta:
        model = User
        fields = ("email", "language", *PROFILE_FIELDS)
        read_only_fields = ("email",)

    def validate(self, attrs: dict) -> dict:
        profile = {name: value for name, value in attrs.items() if name in PROFILE_FIELDS}
        if not profile:
            return attrs
        current = {name: getattr(self.instance, name) for name in PROFILE_FIELDS} if self.instance else {}
        form = ProfileForm(data=current | profile)
        # A field this request leaves alone is not required here: an older account may lack it.
        for name, field in form.fields.items():
            if name not in profile:
                field.required = False
        if not form.is_valid():
            refused = {name: messages for name, messages in form.errors.items() if name in profile}
            raise serializers.ValidationError(refused or form.errors)
        return attrs | {name: form.cleaned_data[name] for name in profile}


class AttendanceSerializer(serializers.Serializer):
    """What the attendance register says of one enrolment (hours as decimal strings, e.g. "7.0")."""

    recorded = serializers.BooleanField(help_text=_("At least one slot is marked in the register."))
    attended_hours = serializers.DecimalField(
        max_digits=6, decimal_places=1, help_text=_("The hours of the slots marked present.")
    )
    total_hours = serializers.DecimalField(
        max_digits=6, decimal_places=1, help_text=_("The hours of the whole timetable.")
    )


def attendance_data(enrolment: Enrolment, context: dict) -> dict:
    """``enrolment``'s attendance from the summaries the view read for the whole page, else read on its own."""
    summaries: dict[int, AttendanceSummary] | None = context.get("attendance")
    summary = summaries.get(enrolment.pk) if summaries is not None else None
    if summary is None:
        summary = attendance_by_enrolment([enrolment])[enrolment.pk]
    return AttendanceSerializer(summary).data


class EnrolmentSerializer(serializers.ModelSerializer):
    """One enrolment, with its session and whether it can be cancelled now."""

    session_code = serializers.CharField(source="session.code")
    course_title = serializers.SerializerMethodField()
    course_url = serializers.SerializerMethodField()
    starts_at = serializers.DateTimeField(source="session.starts_at")
    ends_at = serializers.DateTimeField(source="session.ends_at")
    status_label = serializers.CharField(source="get_status_display")
    company_seat = serializers.SerializerMethodField(
        help_text=_("Booked by an organisation: only its manager can change it.")
    )
    can_cancel = serializers.SerializerMethodField(
        help_text=_("Cancelling is possible now (free during the withdrawal period).")
    )
    attendance = serializers.SerializerMethodField()

    class Meta:
        model = Enrolment
        fields = (
            "public_id",
            "session_code",
            "course_title",
            "course_url",
            "starts_at",
            "ends_at",
            "status",
            "status_label",
            "withdrawal_ends_at",
            "company_seat",
            "can_cancel",
            "attendance",
        )

    def _course(self, enrolment: Enrolment):
        return self.context.get("courses", {}).get(enrolment.session.course_id)

    def get_course_title(self, enrolment: Enrolment) -> str:
        course = self._course(enrolment)
        return course.title if course else ""

    def get_course_url(self, enrolment: Enrolment) -> str | None:
        course = self._course(enrolment)
        return course.url if course else None

    def get_company_seat(self, enrolment: Enrolment) -> bool:
        return enrolment.order is not None and enrolment.order.is_company_order

    def get_can_cancel(self, enrolment: Enrolment) -> bool:
        return can_cancel(enrolment, now=self.context["now"])

    @extend_schema_field(AttendanceSerializer)
    def get_attendance(self, enrolment: Enrolment) -> dict:
        return attendance_data(enrolment, self.context)


def can_cancel(enrolment: Enrolment, *, now) -> bool:
    """As the dashboard says: a confirmed, self-booked enrolment whose session has not started."""
    company = enrolment.order is not None and enrolment.order.is_company_order
    return enrolment.status == EnrolmentStatus.CONFIRMED and not company and now < enrolment.session.starts_at
