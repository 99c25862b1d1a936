"""The outbox: one row per object Moodle must know about, holding its desired state.

A change writes (or rewrites) its object's row in the same transaction as the
change itself, so nothing is lost if the process dies; rows for the same object
coalesce, because there is only ever one row per (kind, key). The drain sends
due rows in dependency order and marks a row synced only if nobody changed it
meanwhile (``revision`` compare-and-set). A synced row stays: it remembers the
Moodle id and tells the admin the object is in sync.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OutboxKind(models.TextChoices):
    CATEGORY = "category", _("Category")
    COURSE = "course", pgettext_lazy("Moodle objects", "Course")
    USER = "user", _("User")
    COHORT = "cohort", _("Cohort")
    ENROLMENT = "enrolment", _("Enrolment")
    GROUP = "group", _("Group")


# Moodle needs a category before its courses, a course and a user before an enrolment,
# an enrolment before group membership.
KIND_ORDER = [
    OutboxKind.CATEGORY,
    OutboxKind.COURSE,
    OutboxKind.USER,
    OutboxKind.COHORT,
    OutboxKind.ENROLMENT,
    OutboxKind.GROUP,
]


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Dead letter")
    SYNCED = "synced", _("In sync")


class ErrorKind(models.TextChoices):
    TRANSIENT = "transient", _("Moodle unreachable")
    CONFIGURATION = "configuration", _("Configuration")
    ITEM = "item", _("Refused by Moodle")
    DEPENDENCY = "dependency", _("Waiting for another object")


DUE_STATUSES = (OutboxStatus.PENDING, OutboxStatus.FAILED)


class OutboxItem(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=OutboxKind.choices)
    key = models.CharField(_("key"), max_length=255)
    payload = models.JSONField(_("desired state"))
    # A new value whenever the desired state changes; the drain marks a row synced
    # only if the revision it sent is still the current one.
    revision = models.UUIDField(default=uuid.uuid4)
    status = models.CharField(_("status"), max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # A drainer owns the row until then (several workers may drain at once).
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    moodle_id = models.PositiveBigIntegerField(_("Moodle id"), null=True, blank=True)
    error_kind = models.CharField(_("error kind"), max_length=20, choices=ErrorKind.choices, blank=True)
    error_code = models.CharField(_("error code"), max_length=255, blank=True)
    error_message = models.TextField(_("error"), blank=True)
    # For the admin: which session (Moodle course) the row belongs to, if any.
    session = models.ForeignKey(
        "courses.Session",
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lms_outbox",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)

    class Meta:
        verbose_name = _("Moodle operation")
        verbose_name_plural = _("Moodle operations")
        ordering = ["next_attempt_at", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="lms_outboxitem_unique_kind_key")]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"


class QueueState(models.Model):
    """The single row saying whether the outbox is paused on a configuration error."""

    paused_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    # Staff were emailed about this pause (once per pause).
    alerted_at = models.DateTimeField(null=True, blank=True)
    last_probe_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Moodle queue state")

    def __str__(self) -> str:
        return "paused" if self.paused_at else "running"

    @classmethod
    def current(cls) -> QueueState:
        return cls.objects.get_or_create(pk=1)[0]
