"""Errors a person can meet while enrolling; each carries a message in their language."""

from django.utils.translation import gettext_lazy as _


class EnrolmentError(Exception):
    """A refused enrolment action; ``message`` is shown to the person as is."""

    default_message = _("This action is not possible.")

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(str(self.message))


class SessionFull(EnrolmentError):
    default_message = _("Sorry, this session is full. You can join the waitlist.")


class EnrolmentRefused(EnrolmentError):
    pass


class TransitionNotAllowed(EnrolmentError):
    default_message = _("This enrolment can no longer be changed this way.")


class OrganisationError(EnrolmentError):
    """A refused change to an organisation or its managers."""

    default_message = _("This change to the organisation is not possible.")


class CompanyPaymentRefused(EnrolmentError):
    """The manager cannot pay this order this way; ``message`` says why, in their language."""

    default_message = _("This order cannot be paid this way.")
