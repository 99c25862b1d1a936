"""Completing an enrolment once the LMS says the learner completed the course."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from enrolments import emails
from enrolments.models import Enrolment, EnrolmentStatus
from enrolments.states import check_enrolment_transition


def complete_enrolment(enrolment: Enrolment, *, completed_at: dt.datetime, details: list[dict]) -> bool:
    """Mark a confirmed enrolment completed and tell the learner their certificates are ready.

    ``details`` are the LMS's completion criteria lines (title, status,
    complete…), kept for the certificate of completion. Idempotent: returns
    False, and changes nothing, when the enrolment is already completed.
    Raises ``TransitionNotAllowed`` for an enrolment that is not confirmed.
    """
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status == EnrolmentStatus.COMPLETED:
            return False
        check_enrolment_transition(enrolment.status, EnrolmentStatus.COMPLETED)
        enrolment.status = EnrolmentStatus.COMPLETED
        enrolment.completed_at = completed_at
        enrolment.completion_details = [dict(line) for line in details]
        enrolment.save(update_fields=["status", "completed_at", "completion_details", "updated_at"])
        emails.notify("enrolment_completed", enrolment.pk)
    return True
