"""Pausing the whole outbox on a configuration error, and telling staff once."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from lms.models import QueueState

logger = logging.getLogger(__name__)


def is_paused() -> bool:
    return QueueState.objects.filter(pk=1, paused_at__isnull=False).exists()


def pause(reason: str) -> None:
    """Stop draining until Moodle answers again; email staff the first time."""
    with transaction.atomic():
        state = QueueState.objects.select_for_update().get_or_create(pk=1)[0]
        now = timezone.now()
        if not state.paused_at:
            state.paused_at = now
        state.reason = reason
        state.last_probe_at = now
        first_alert = state.alerted_at is None
        if first_alert:
            state.alerted_at = now
        state.save()
    logger.error("Moodle export paused: %s", reason)
    if first_alert:
        transaction.on_commit(lambda: _alert(reason))


def resume() -> bool:
    """Drain again (after a successful probe, or when staff retry). True if it was paused.

    The alert stays "sent" until rows go through again (``healthy``): a probe that
    succeeds while the calls themselves are still refused must not email staff
    every five minutes.
    """
    return bool(QueueState.objects.filter(pk=1, paused_at__isnull=False).update(paused_at=None))


def healthy() -> None:
    """Moodle accepted our calls again: the next pause deserves a new alert."""
    QueueState.objects.filter(pk=1, paused_at__isnull=True, alerted_at__isnull=False).update(alerted_at=None)


def probe_due(every_seconds: int = 300) -> bool:
    state = QueueState.current()
    if state.last_probe_at and (timezone.now() - state.last_probe_at).total_seconds() < every_seconds:
        return False
    QueueState.objects.filter(pk=1).update(last_probe_at=timezone.now())
    return True


def _alert(reason: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {"reason": reason, "admin_url": f"{settings.WAGTAILADMIN_BASE_URL}/admin/moodle/"}
        send_mail(
            gettext("Moodle export paused: action needed"),
            render_to_string("lms/emails/queue_paused.txt", context),
            None,
            settings.MOODLE_ALERT_EMAILS,
            fail_silently=True,
        )
