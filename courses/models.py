"""The schedule: venues, sessions, their timetable slots and price tiers."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel

from catalogue.choices import Language
from catalogue.fields import MultipleChoiceJSONField
from courses.availability import SessionState, SessionTimes, places_left, session_state

PARIS = ZoneInfo("Europe/Paris")
CENT = Decimal("0.01")


class Venue(models.Model):
    """A place where in-person sessions happen."""

    name = models.CharField(_("name"), max_length=200)
    street_address = models.CharField(_("street address"), max_length=255)
    postal_code = models.CharField(_("postal code"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    access_notes = models.TextField(_("access notes"), blank=True, help_text=_("Public transport, step-free access."))

    panels = [
        FieldPanel("name"),
        FieldPanel("street_address"),
        FieldRowPanel([FieldPanel("postal_code"), FieldPanel("city")]),
        FieldPanel("access_notes"),
    ]

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["city", "name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"

    @property
    def one_line_address(self) -> str:
        return f"{self.name}, {self.street_address}, {self.postal_code} {self.city}"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class Session(ClusterableModel):
    """A dated run of a course: its code, timetable, place, capacity and prices."""

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Stable code such as IAF-DL-2027-03; it is the Moodle course idnumber."),
    )
    course = models.ForeignKey(
        "catalogue.CoursePage", verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    # Denormalised from the timetable slots on save, for fast filtering.
    starts_at = models.DateTimeField(_("starts at"), editable=False, db_index=True)
    ends_at = models.DateTimeField(_("ends at"), editable=False)
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    is_online = models.BooleanField(_("online"), default=False, help_text=_("Taught online (fully or partly)."))
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    # Places used by confirmed enrolments, company seats and checkout holds.
    # The enrolment services keep it current under select_for_update().
    places_taken = models.PositiveIntegerField(_("places taken"), default=0)
    languages = MultipleChoiceJSONField(_("languages"), choices=Language.choices, default=list)
    enrolment_opens_at = models.DateTimeField(_("enrolment opens"), null=True, blank=True)
    enrolment_closes_at = models.DateTimeField(
        _("enrolment closes"), null=True, blank=True, help_text=_("Defaults to the course's access delay.")
    )
    # iCalendar SEQUENCE: bumped whenever the schedule or the place changes.
    schedule_sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("status")]),
        FieldPanel("course"),
        InlinePanel("slots", label=_("Timetable"), min_num=1, heading=_("Timetable (Europe/Paris)")),
        MultiFieldPanel(
            [FieldPanel("venue"), FieldPanel("is_online"), FieldPanel("languages")], heading=_("Place and language")
        ),
        MultiFieldPanel(
            [
                FieldPanel("capacity"),
                FieldRowPanel([FieldPanel("enrolment_opens_at"), FieldPanel("enrolment_closes_at")]),
            ],
            heading=_("Places and enrolment window"),
        ),
        InlinePanel("price_tiers", label=_("Price tier"), heading=_("Prices")),
    ]

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "code"]
        indexes = [models.Index(fields=["course", "starts_at"])]

    def __str__(self) -> str:
        return self.code

    # --- schedule -------------------------------------------------------

    def _slot_bounds(self) -> tuple[dt.datetime, dt.datetime] | None:
        slots = list(self.slots.all())
        if not slots:
            return None
        return min(s.starts_at for s in slots), max(s.ends_at for s in slots)

    def _schedule_fingerprint(self) -> tuple:
        slots = sorted((s.date, s.start_time, s.end_time) for s in self.slots.all())
        return (tuple(slots), self.venue_id, self.is_online, self.status)

    def clean(self) -> None:
        super().clean()
        if not self.venue_id and not self.is_online:
            raise ValidationError({"venue": _("Choose a venue, or mark the session as online.")})
        if self.enrolment_opens_at and self.enrolment_closes_at and self.enrolment_opens_at >= self.enrolment_closes_at:
            raise ValidationError({"enrolment_closes_at": _("Enrolment must close after it opens.")})

    def save(self, *args, **kwargs) -> None:
        bounds = self._slot_bounds()
        if bounds:
            self.starts_at, self.ends_at = bounds
        if self.pk:
            previous = Session.objects.filter(pk=self.pk).first()
            if previous and previous._schedule_fingerprint() != self._schedule_fingerprint():
                self.schedule_sequence += 1
        super().save(*args, **kwargs)

    # --- availability ---------------------------------------------------

    @property
    def places_left(self) -> int:
        return places_left(capacity=self.capacity, taken=self.places_taken)

    @property
    def effective_enrolment_closes_at(self) -> dt.datetime:
        if self.enrolment_closes_at:
            return self.enrolment_closes_at
        delay = self.course.access_delay_days or 0
        return self.starts_at - dt.timedelta(days=delay)

    def state(self, now: dt.datetime | None = None) -> SessionState:
        return session_state(
            now=now or timezone.now(),
            times=SessionTimes(
                starts_at=self.starts_at,
                ends_at=self.ends_at,
                enrolment_opens_at=self.enrolment_opens_at,
                enrolment_closes_at=self.effective_enrolment_closes_at,
            ),
            cancelled=self.status == SessionStatus.CANCELLED,
            places_left=self.places_left,
        )


class TimetableSlot(models.Model):
    """One day of a session, with its start and end time in Europe/Paris."""

    session = ParentalKey(Session, on_delete=models.CASCADE, related_name="slots")
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))

    panels = [FieldRowPanel([FieldPanel("date"), FieldPanel("start_time"), FieldPanel("end_time")])]

    class Meta:
        verbose_name = _("timetable slot")
        verbose_name_plural = _("timetable slots")
        ordering = ["date", "start_time"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def clean(self) -> None:
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("The slot must end after it starts.")})

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.start_time, tzinfo=PARIS)

    @property
    def ends_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.end_time, tzinfo=PARIS)

    @property
    def hours(self) -> Decimal:
        seconds = (self.ends_at - self.starts_at).total_seconds()
        return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.1"))


class PriceTierKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Self-funded individual")
    EMPLOYER = "employer", _("Employer-funded")
    REDUCED = "reduced", _("Reduced (job seekers, students)")
    FREE = "free", _("Free (partner staff)")


class PriceTier(models.Model):
    """A price for one kind of buyer, stated tax-inclusive or tax-exclusive."""

    session = ParentalKey(Session, on_delete=models.CASCADE, related_name="price_tiers")
    kind = models.CharField(_("kind"), max_length=20, choices=PriceTierKind.choices)
    amount = models.DecimalField(_("amount (EUR)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="EUR", editable=False)
    tax_included = models.BooleanField(_("amount includes VAT"), default=True)
    vat_exempt = models.BooleanField(
        _("VAT exempt"), default=True, help_text=_("Professional training exemption, CGI art. 261-4-4° a.")
    )
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=4, decimal_places=2, default=Decimal("20.00"))

    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("amount")]),
        FieldRowPanel([FieldPanel("tax_included"), FieldPanel("vat_exempt"), FieldPanel("vat_rate")]),
    ]

    class Meta:
        verbose_name = _("price tier")
        verbose_name_plural = _("price tiers")
        constraints = [models.UniqueConstraint(fields=["session", "kind"], name="courses_pricetier_unique_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount} {self.currency}"

    @property
    def effective_vat_rate(self) -> Decimal:
        return Decimal(0) if self.vat_exempt else self.vat_rate

    @property
    def amount_incl_tax(self) -> Decimal:
        if self.tax_included:
            return self.amount
        return (self.amount * (1 + self.effective_vat_rate / 100)).quantize(CENT, ROUND_HALF_UP)

    @property
    def amount_excl_tax(self) -> Decimal:
        if not self.tax_included:
            return self.amount
        return (self.amount / (1 + self.effective_vat_rate / 100)).quantize(CENT, ROUND_HALF_UP)
