"""Enrolments (a learner's place in a session), the waitlist and funding requests."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EnrolmentStatus(models.TextChoices):
    # A place is held while the learner gives their card or pays.
    HELD = "held", _("Place held")
    CONFIRMED = "confirmed", _("Confirmed")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")
    CANCELLED_BY_ORGANISER = "cancelled_by_organiser", _("Session cancelled")
    EXPIRED = "expired", _("Hold expired")


# Statuses that use a place of the session.
PLACE_USING_STATUSES = (EnrolmentStatus.HELD, EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED)


class Enrolment(models.Model):
    """A learner's place in a session, with what they accepted and when."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(
        "courses.Session", verbose_name=_("session"), on_delete=models.PROTECT, related_name="enrolments"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("learner"), on_delete=models.PROTECT, related_name="enrolments"
    )
    order = models.ForeignKey(
        "enrolments.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="enrolments", null=True
    )
    status = models.CharField(_("status"), max_length=30, choices=EnrolmentStatus.choices)
    hold_expires_at = models.DateTimeField(_("hold expires"), null=True, blank=True)
    # What the learner accepted before anything was binding (L6353-8).
    terms = models.ForeignKey(
        "enrolments.LegalText", verbose_name=_("terms of sale"), on_delete=models.PROTECT, related_name="+"
    )
    internal_rules = models.ForeignKey(
        "enrolments.LegalText", verbose_name=_("internal rules"), on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted"))
    # Consent to start before the withdrawal period ends (course starting within 10 days).
    early_start_consent_at = models.DateTimeField(_("consent to start early"), null=True, blank=True)
    # The withdrawal period runs from the contract (confirmation); nothing is charged before it ends.
    withdrawal_ends_at = models.DateTimeField(_("withdrawal period ends"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    ended_at = models.DateTimeField(_("withdrawn or cancelled"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # What the LMS reported when the learner completed (criteria, results), for the certificate.
    completion_details = models.JSONField(_("completion details"), default=list, blank=True, editable=False)
    # When each reminder went out, so the schedule can run at any frequency.
    reminded_7_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_1_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Where the learner follows the course, once the LMS export created it.
    lms_course_url = models.URLField(_("LMS course"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "learner"],
                condition=Q(status__in=["held", "confirmed", "completed"]),
                name="enrolments_enrolment_one_live_per_session",
            )
        ]
        indexes = [models.Index(fields=["status", "hold_expires_at"])]

    def __str__(self) -> str:
        return f"{self.learner} → {self.session}"

    @property
    def uses_place(self) -> bool:
        return self.status in PLACE_USING_STATUSES


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    # A freed place is kept for this person until the offer expires.
    OFFERED = "offered", _("Place offered")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Offer expired")
    LEFT = "left", _("Left the waitlist")


class WaitlistEntry(models.Model):
    """A person waiting for a place in a full session, first come first served."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey("courses.Session", on_delete=models.CASCADE, related_name="waitlist")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries")
    status = models.CharField(
        _("status"), max_length=20, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    offer_expires_at = models.DateTimeField(_("offer expires"), null=True, blank=True)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                condition=Q(status__in=["waiting", "offered"]),
                name="enrolments_waitlist_one_live_per_session",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ⏳ {self.session}"


class FundingRequestKind(models.TextChoices):
    EMPLOYER = "employer", _("Employer")
    FUNDER = "funder", _("Funder (OPCO, France Travail)")


class FundingRequest(models.Model):
    """A quote request sent to an employer or a funder instead of paying oneself."""

    session = models.ForeignKey("courses.Session", on_delete=models.PROTECT, related_name="funding_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="funding_requests")
    kind = models.CharField(_("kind"), max_length=20, choices=FundingRequestKind.choices)
    organisation_name = models.CharField(_("employer or funder"), max_length=200)
    contact_email = models.EmailField(_("contact email"), blank=True)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    class Meta:
        verbose_name = _("quote request")
        verbose_name_plural = _("quote requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.organisation_name} ({self.session})"
