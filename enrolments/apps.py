from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrolmentsConfig(AppConfig):
    name = "enrolments"
    verbose_name = _("Enrolments")

    def ready(self) -> None:
        # Schedule changes and cancellations of sessions reach every enrolled learner.
        from enrolments import signals

        signals.connect()
