"""Queue Moodle's view of every change, in the transaction that makes it.

- a session saved: its course (and categories);
- a course page published: the courses of its sessions;
- an enrolment saved: the learner's access to the course (and the user and
  course rows Moodle needs first);
- a user saved: their Moodle account, if Moodle knows them;
- a company seat claimed: the organisation's cohort and its group in the
  course (revoking a seat ends the enrolment, which unenrols the person).

After the transaction commits, a drain task is started (once per transaction).
Nothing is queued while ``LMS_BACKEND`` is "off", or for raw fixture loads.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_save
from wagtail.signals import page_published

from courses.models import Session
from enrolments.models import Enrolment, EnrolmentStatus, Seat, SeatStatus
from lms import outbox
from lms.models import OutboxItem, OutboxKind

# Statuses that never reached Moodle on their own: a hold, an expired hold.
_NOT_EXPORTED = (EnrolmentStatus.HELD, EnrolmentStatus.EXPIRED)


def enabled() -> bool:
    return settings.LMS_BACKEND != "off"


def _kick_drain() -> None:
    from lms.tasks import request_drain

    # Once per transaction, however many rows it queued.
    if not any(func is request_drain for _, func, _ in transaction.get_connection().run_on_commit):
        transaction.on_commit(request_drain)


def session_saved(sender, instance: Session, raw: bool = False, **kwargs) -> None:
    if raw or not enabled():
        return
    outbox.queue_session(instance)
    outbox.queue_session_enrolments(instance)
    _kick_drain()


def course_published(sender, instance, **kwargs) -> None:
    if not enabled():
        return
    sessions = Session.objects.filter(course_id=instance.pk)
    if not OutboxItem.objects.filter(kind=OutboxKind.COURSE, session__in=sessions).exists():
        return
    # The categories depend on the course only: computed once for all its sessions.
    categories = outbox.desired.course_categories(instance.specific)
    for session in sessions.select_related("course"):
        outbox.queue_session(session, categories=categories)
    _kick_drain()


def enrolment_saved(sender, instance: Enrolment, raw: bool = False, **kwargs) -> None:
    if raw or not enabled() or instance.status in _NOT_EXPORTED:
        return
    if outbox.queue_enrolment(instance.learner, instance.session):
        _kick_drain()


def seat_saved(sender, instance: Seat, raw: bool = False, **kwargs) -> None:
    if raw or not enabled() or instance.status != SeatStatus.CLAIMED:
        return
    if outbox.queue_organisation(instance.organisation, instance.session):
        _kick_drain()


def user_saved(sender, instance, raw: bool = False, created: bool = False, **kwargs) -> None:
    if raw or created or not enabled():
        return
    key = outbox.desired.user_idnumber(instance.pk)
    if OutboxItem.objects.filter(kind=OutboxKind.USER, key=key).exists():
        outbox.queue_user(instance)
        _kick_drain()


def connect() -> None:
    from catalogue.models import CoursePage

    post_save.connect(session_saved, sender=Session, dispatch_uid="lms-session-saved")
    post_save.connect(enrolment_saved, sender=Enrolment, dispatch_uid="lms-enrolment-saved")
    post_save.connect(seat_saved, sender=Seat, dispatch_uid="lms-seat-saved")
    post_save.connect(user_saved, sender=get_user_model(), dispatch_uid="lms-user-saved")
    page_published.connect(course_published, sender=CoursePage, dispatch_uid="lms-course-published")
