"""The email a learner gets when the LMS reports their course completed: links to both certificates."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from enrolments.emails.enrolment import enrolment_context, learner, load_enrolment
from enrolments.emails.rendering import Draft, email_kind
from enrolments.emails.session_details import subject_course
from enrolments.models import Enrolment, EnrolmentStatus


def absolute_url(view_name: str, *args) -> str:
    """The absolute URL of a view in the active language (the email's, while it is composed)."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(view_name, args=args)


@email_kind("enrolment_completed", load=load_enrolment, person=learner)
def enrolment_completed(enrolment: Enrolment, language: str) -> Draft | None:
    """The course is completed: the certificate of completion and the certificate of attendance are ready."""
    if enrolment.status != EnrolmentStatus.COMPLETED:
        return None
    context = enrolment_context(enrolment, language=language)
    context.update(
        {
            "completed_at": enrolment.completed_at,
            "certificate_url": absolute_url("dashboard:certificate", enrolment.public_id),
            "realisation_url": absolute_url("dashboard:realisation", enrolment.public_id),
        }
    )
    return Draft(
        to=[enrolment.learner.email],
        subject=_("Course completed: %(course)s") % subject_course(context),
        template="enrolment_completed",
        context=context,
    )
