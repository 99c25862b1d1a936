"""What enrolled learners must hear when staff change a session in the admin.

``Session.save()`` bumps ``schedule_sequence`` when the timetable, the place
or the status changes. After the change commits:

- a session still scheduled whose sequence went up: every confirmed learner
  gets the new timetable and an updated invitation (``schedule_changed``);
- a session that became cancelled: ``session_cancel`` refunds and tells
  every learner, then ``cancel_company_orders_for_session`` cancels the
  company orders (both are idempotent, so a second save of a cancelled
  session is harmless).

It also remembers the language a person logs in with: their emails and
documents are written in it.

The previous values are read in ``pre_save`` (one query) and compared in
``post_save``; the work runs in ``transaction.on_commit``. Wagtail's edit
view saves the session and its timetable slots in one transaction, so the
callbacks see the new slots (modelcluster writes the slots after
``post_save``: outside a transaction they would not be written yet).
"""

from __future__ import annotations

import logging
from functools import partial

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.utils import translation

from courses.models import Session, SessionStatus
from enrolments import emails
from enrolments.models import Enrolment, EnrolmentStatus

logger = logging.getLogger(__name__)

_PREVIOUS = "_enrolments_previous_schedule"
_PRE_SAVE_UID = "enrolments-session-previous-schedule"
_POST_SAVE_UID = "enrolments-session-schedule-changed"


def _remember_previous(sender, instance: Session, raw: bool = False, **kwargs) -> None:
    previous = None
    if instance.pk and not raw:
        previous = Session.objects.filter(pk=instance.pk).values_list("schedule_sequence", "status").first()
    setattr(instance, _PREVIOUS, previous)


def _session_saved(sender, instance: Session, created: bool, raw: bool = False, **kwargs) -> None:
    previous = instance.__dict__.pop(_PREVIOUS, None)
    if raw or created or previous is None:
        return
    old_sequence, old_status = previous
    if instance.status == SessionStatus.CANCELLED and old_status != SessionStatus.CANCELLED:
        transaction.on_commit(partial(cancel_session, instance.pk))
    elif instance.status == SessionStatus.SCHEDULED and instance.schedule_sequence > old_sequence:
        transaction.on_commit(partial(announce_schedule_change, instance.pk))


def announce_schedule_change(session_id: int) -> int:
    """Queue the ``schedule_changed`` email for every confirmed learner of the session; returns how many."""
    enrolment_ids = list(
        Enrolment.objects.filter(session_id=session_id, status=EnrolmentStatus.CONFIRMED).values_list("pk", flat=True)
    )
    for enrolment_id in enrolment_ids:
        emails.notify("schedule_changed", enrolment_id)
    return len(enrolment_ids)


def cancel_session(session_id: int) -> None:
    """Refund and tell everyone enrolled in a session staff just cancelled, and the companies that bought seats."""
    # Imported here: the enrolment services import the emails, which this module also loads.
    from enrolments.services.company_release import cancel_company_orders_for_session
    from enrolments.services.enrolment import session_cancel

    session = Session.objects.get(pk=session_id)
    # Learners first: it ends the employees' enrolments too and tells them; the
    # company orders are then cancelled (places back, refunds, managers told).
    for step in (session_cancel, cancel_company_orders_for_session):
        try:
            step(session=session)
        except Exception:
            # The cancellation is committed: an error here must reach the logs
            # (and be retried by hand: both services are idempotent), not the
            # admin page of a change that has already been saved.
            logger.exception(
                "Refunds of a cancelled session failed", extra={"session": session.code, "step": step.__name__}
            )


def _remember_language(sender, request, user, **kwargs) -> None:
    language = translation.get_language_from_path(request.path_info) or translation.get_language()
    if hasattr(user, "language") and language and user.language != language:
        user.language = language
        type(user).objects.filter(pk=user.pk).update(language=language)


def connect() -> None:
    """Listen to session saves and logins (called from ``EnrolmentsConfig.ready``); connecting twice is harmless."""
    pre_save.connect(_remember_previous, sender=Session, dispatch_uid=_PRE_SAVE_UID)
    post_save.connect(_session_saved, sender=Session, dispatch_uid=_POST_SAVE_UID)
    user_logged_in.connect(_remember_language, dispatch_uid="enrolments-remember-language")


def disconnect() -> bool:
    """Stop listening (a bulk import that must not email anyone); True if the listeners were connected."""
    before = pre_save.disconnect(sender=Session, dispatch_uid=_PRE_SAVE_UID)
    after = post_save.disconnect(sender=Session, dispatch_uid=_POST_SAVE_UID)
    return before or after
