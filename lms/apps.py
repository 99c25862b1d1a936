from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    """The export to the LMS (Moodle): outbox, backends, reconcile, completion."""

    name = "lms"
    verbose_name = _("Moodle export")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms import signals

        signals.connect()
