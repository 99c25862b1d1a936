"""The attendance register (feuille d'émargement): who was there, slot by slot.

Staff record it per session; the certificat de réalisation and the
managers' space show the hours actually attended, the sum of the slots
marked present.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused absence")


class Attendance(models.Model):
    """One learner's presence at one timetable slot of their session."""

    enrolment = models.ForeignKey(
        "enrolments.Enrolment", verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="attendances"
    )
    # A slot removed from the timetable takes its register lines with it.
    slot = models.ForeignKey(
        "courses.TimetableSlot", verbose_name=_("slot"), on_delete=models.CASCADE, related_name="attendances"
    )
    status = models.CharField(_("status"), max_length=10, choices=AttendanceStatus.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["enrolment", "slot"], name="attendance_once_per_slot")]
        permissions = [("record_attendance", _("Can record the attendance register"))]

    def __str__(self) -> str:
        return f"{self.enrolment_id} @ {self.slot_id}: {self.status}"
