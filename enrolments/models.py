"""Accounts and, later, everything transactional: orders, seats, enrolments."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person with an account: learner, editor or organisation manager.

    Custom from day one so that later profile fields (civility, address,
    professional status) need no swap of the user model.
    """

    # Stable, non-guessable id sent to Moodle as the user's ``idnumber``.
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")
