"""Seats: the places an organisation bought, assigned to its employees or redeemed with a code."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def new_seat_token() -> str:
    return secrets.token_urlsafe(24)


class SeatStatus(models.TextChoices):
    # Nobody named yet (a single-use code may have been issued for it).
    FREE = "free", pgettext_lazy("seats nobody holds yet", "Free")
    # Assigned to an email: the invitation with the claim link is out.
    ASSIGNED = "assigned", _("Assigned, not yet claimed")
    # The employee claimed it and is enrolled.
    CLAIMED = "claimed", _("Claimed")
    # The order was released or cancelled: the seat no longer exists.
    CANCELLED = "cancelled", _("Cancelled")


class Seat(models.Model):
    """One place of a company order, in the organisation's pool for that session.

    Its place in the session was taken when the quote was accepted: claiming,
    reassigning or revoking a seat never changes the session's count; only
    releasing or cancelling the order gives places back.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(
        "enrolments.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="seats"
    )
    organisation = models.ForeignKey(
        "enrolments.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="seats"
    )
    session = models.ForeignKey(
        "courses.Session", verbose_name=_("session"), on_delete=models.PROTECT, related_name="seats"
    )
    status = models.CharField(_("status"), max_length=20, choices=SeatStatus.choices, default=SeatStatus.FREE)
    email = models.EmailField(_("employee email"), blank=True)
    # The claim link's secret; a new one on every (re)assignment, so an old link stops working.
    token = models.CharField(max_length=64, unique=True, default=new_seat_token, editable=False)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    # A single-use code the manager downloaded instead of naming someone.
    code = models.CharField(_("code"), max_length=20, unique=True, null=True, blank=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="seats",
    )
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    enrolment = models.OneToOneField(
        "enrolments.Enrolment", on_delete=models.PROTECT, null=True, blank=True, related_name="seat"
    )
    # When the assignee was last reminded to claim it.
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["session", "status"])]

    def __str__(self) -> str:
        return f"{self.order} · {self.email or self.get_status_display()}"
