"""Payment bookkeeping shared by the backends: webhook events, and the dummy provider's objects."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookEvent(models.Model):
    """A provider event already handled; its id is unique so a replay is a no-op."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="enrolments_webhookevent_unique_event")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"


class DummyCheckout(models.Model):
    """What the dummy backend stores in place of a provider: checkouts, payments, refunds.

    ``object_id`` looks like a provider id (``cs_dummy_…``, ``pi_dummy_…``);
    ``data`` holds the object's current state, as a provider would return it.
    """

    object_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=20)
    idempotency_key = models.CharField(max_length=255, blank=True, db_index=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dummy payment object")
        verbose_name_plural = _("dummy payment objects")

    def __str__(self) -> str:
        return self.object_id
