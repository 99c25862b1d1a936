"""The attendance register: staff mark each learner present or absent, slot by slot.

- ``register_rows``: a session's register as staff fill it in (who is expected,
  which slots, what is already marked), in a constant number of queries;
- ``record_attendance``: saves marks, refusing slots that have not started yet
  and learners who are not (or no longer) in the session;
- ``attendance_by_enrolment``: the hours each enrolment attended, for the
  certificat de réalisation and the managers' space, in one query.

Attended hours are the sum of the slots marked present. An enrolment with no
mark at all has no register (``recorded`` is False): documents then fall back
to the whole timetable for a completed learner, as before registers existed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Session, TimetableSlot
from enrolments.models import Attendance, AttendanceStatus, Enrolment, EnrolmentStatus
from enrolments.services.errors import EnrolmentRefused

#: Learners expected in the register: they hold a confirmed or completed place.
EXPECTED_STATUSES = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED)


@dataclass(frozen=True)
class AttendanceSummary:
    """What one enrolment's register says."""

    recorded: bool
    attended_hours: Decimal
    total_hours: Decimal
    present_slots: int
    marked_slots: int


@dataclass(frozen=True)
class Register:
    """A session's register: its slots, expected enrolments, and the marks already recorded."""

    session: Session
    slots: list[TimetableSlot]
    enrolments: list[Enrolment]
    marks: dict[tuple[int, int], str]  # (enrolment id, slot id) -> AttendanceStatus value

    def mark(self, enrolment: Enrolment, slot: TimetableSlot) -> str:
        return self.marks.get((enrolment.pk, slot.pk), "")


def register_rows(session: Session) -> Register:
    """The register of ``session``: slots in order, expected learners by name, current marks."""
    slots = list(session.slots.order_by("date", "start_time", "pk"))
    enrolments = list(
        Enrolment.objects.filter(session=session, status__in=EXPECTED_STATUSES)
        .select_related("learner")
        .order_by("learner__last_name", "learner__first_name", "pk")
    )
    marks = {
        (enrolment_id, slot_id): status
        for enrolment_id, slot_id, status in Attendance.objects.filter(
            enrolment__in=enrolments, slot__in=slots
        ).values_list("enrolment_id", "slot_id", "status")
    }
    return Register(session=session, slots=slots, enrolments=enrolments, marks=marks)


def record_attendance(
    *, session: Session, marks: dict[tuple[int, int], str], by, now: dt.datetime | None = None
) -> int:
    """Save ``marks`` ((enrolment id, slot id) -> status; "" clears a mark). Returns how many changed.

    All or nothing: one refused mark refuses the lot, with a message for staff.
    """
    now = now or timezone.now()
    slots = {slot.pk: slot for slot in session.slots.all()}
    expected = set(Enrolment.objects.filter(session=session, status__in=EXPECTED_STATUSES).values_list("pk", flat=True))
    valid = set(AttendanceStatus.values) | {""}
    for (enrolment_id, slot_id), status in marks.items():
        if status not in valid:
            raise EnrolmentRefused(_("Unknown attendance status."))
        if slot_id not in slots:
            raise EnrolmentRefused(_("This slot is not in the session's timetable."))
        if enrolment_id not in expected:
            raise EnrolmentRefused(_("This learner is not enrolled in the session."))
        if status and slots[slot_id].starts_at > now:
            raise EnrolmentRefused(_("Attendance can only be recorded once the slot has started."))
    changed = 0
    with transaction.atomic():
        # Two staff saving the same session's register at once: one waits for the other,
        # so neither meets a half-written row nor undoes the other's marks unseen.
        Session.objects.select_for_update().filter(pk=session.pk).first()
        existing = {
            (row.enrolment_id, row.slot_id): row
            for row in Attendance.objects.filter(enrolment_id__in=expected, slot_id__in=slots)
        }
        for key, status in marks.items():
            row = existing.get(key)
            if not status:
                if row is not None:
                    row.delete()
                    changed += 1
                continue
            if row is None:
                Attendance.objects.create(enrolment_id=key[0], slot_id=key[1], status=status, recorded_by=by)
                changed += 1
            elif row.status != status:
                row.status = status
                row.recorded_by = by
                row.save(update_fields=["status", "recorded_by", "recorded_at"])
                changed += 1
    return changed


def attendance_by_enrolment(enrolments) -> dict[int, AttendanceSummary]:
    """Each enrolment's register summary (its session's slots must be prefetched or are read once per session).

    One query for the marks, plus one per distinct session whose slots are not prefetched.
    """
    enrolments = list(enrolments)
    present: dict[int, set[int]] = defaultdict(set)
    marked: dict[int, int] = defaultdict(int)
    # Only the slots of the enrolment's own session: marks of a session it left (a transfer) do not count.
    marks = Attendance.objects.filter(enrolment__in=enrolments, slot__session_id=F("enrolment__session_id"))
    for enrolment_id, slot_id, status in marks.values_list("enrolment_id", "slot_id", "status"):
        marked[enrolment_id] += 1
        if status == AttendanceStatus.PRESENT:
            present[enrolment_id].add(slot_id)
    slots_by_session: dict[int, list[TimetableSlot]] = {}
    summaries = {}
    for enrolment in enrolments:
        session = enrolment.session
        if session.pk not in slots_by_session:
            slots_by_session[session.pk] = list(session.slots.all())
        slots = slots_by_session[session.pk]
        total = sum((slot.hours for slot in slots), Decimal(0))
        attended = sum((slot.hours for slot in slots if slot.pk in present[enrolment.pk]), Decimal(0))
        summaries[enrolment.pk] = AttendanceSummary(
            recorded=marked[enrolment.pk] > 0,
            attended_hours=attended,
            total_hours=total,
            present_slots=len(present[enrolment.pk]),
            marked_slots=marked[enrolment.pk],
        )
    return summaries
