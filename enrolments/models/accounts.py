"""The person with an account, with the profile fields the legal documents need."""

import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Civility(models.TextChoices):
    MS = "ms", _("Ms")
    MR = "mr", _("Mr")
    UNSTATED = "unstated", _("Prefer not to say")


class ProfessionalStatus(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    JOB_SEEKER = "job_seeker", _("Job seeker")
    INDEPENDENT = "independent", _("Independent")
    OTHER = "other", _("Other")


# The personal details a person edits on their profile (and that account deletion empties).
PROFILE_FIELDS = (
    "civility",
    "first_name",
    "last_name",
    "street_address",
    "postal_code",
    "city",
    "country",
    "phone",
    "professional_status",
    "employer_name",
)


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class User(AbstractUser):
    """A person with an account: learner, editor or organisation manager.

    Email is the login (django-allauth); the username is generated.
    """

    # Stable, non-guessable id sent to Moodle as the user's ``idnumber``.
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)

    civility = models.CharField(_("civility"), max_length=10, choices=Civility.choices, blank=True)
    street_address = models.CharField(_("street address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True, default="France")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    professional_status = models.CharField(
        _("professional status"), max_length=20, choices=ProfessionalStatus.choices, blank=True
    )
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    # The language of emails and documents: the one the person last used the site in.
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="fr")
    # Secret of the personal iCal feed; regenerating it revokes the old URL.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)
    # Set when the person deleted their account: the row stays for invoices.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def has_legal_profile(self) -> bool:
        """Whether the contract and invoices can name and address this person."""
        return all([self.first_name, self.last_name, self.street_address, self.postal_code, self.city])

    @property
    def postal_address(self) -> str:
        return "\n".join(p for p in [self.street_address, f"{self.postal_code} {self.city}".strip(), self.country] if p)
