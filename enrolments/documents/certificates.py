"""The two documents a learner gets once their course is completed.

- The certificate of completion (attestation de fin de formation, Code du
  travail L6353-1): objectives, nature and duration of the action, and the
  results of the assessment (the LMS's completion criteria).
- The certificate of attendance in the Ministry of Labour's model
  (certificat de réalisation), which employers and funders ask for: the
  provider, the learner, the action, its nature and dates, the hours
  attended and the provider's signature block.

Both are written in the learner's language and rendered offline with
``render_pdf``. The duration is the session's timetable. The hours attended
are those the attendance register marks present; an enrolment without a
register (no mark at all) falls back to the whole timetable, as a completed
learner was counted before registers existed.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext

from enrolments.documents.context import _civility_label
from enrolments.documents.formatting import date_range, long_date
from enrolments.documents.pdf import render_pdf
from enrolments.emails.rendering import recipient_language
from enrolments.models import Enrolment
from enrolments.services.attendance import attendance_by_enrolment

__all__ = ["certificate_context", "certificate_pdf", "realisation_context", "realisation_pdf"]

_POSTAL_CODE_AND_CITY = re.compile(r"\b\d{5}\s+([^,]+)")


def certificate_language(enrolment: Enrolment, language: str | None = None) -> str:
    """``language`` if the site offers it, else the learner's."""
    if language in dict(settings.LANGUAGES):
        return language
    return recipient_language(enrolment.learner)


def seller_place() -> str:
    """Where the documents are made: ``SELLER["city"]``, else the city of the seller's address."""
    if settings.SELLER.get("city"):
        return settings.SELLER["city"]
    match = _POSTAL_CODE_AND_CITY.search(settings.SELLER.get("address", ""))
    return match.group(1).strip() if match else ""


def _load(enrolment: Enrolment) -> Enrolment:
    return (
        Enrolment.objects.select_related("learner", "session__course", "session__venue")
        .prefetch_related("session__slots")
        .get(pk=enrolment.pk)
    )


def _criterion(line: dict) -> dict:
    """One completion criterion as Moodle reports it, as plain text (Moodle sends some of it as HTML)."""
    details = line.get("details") or {}
    completed_at = line.get("timecompleted")
    return {
        "title": strip_tags(str(line.get("title") or details.get("type") or "")),
        "criteria": strip_tags(str(details.get("criteria") or "")),
        "requirement": strip_tags(str(details.get("requirement") or "")),
        "status": strip_tags(str(line.get("status") or details.get("status") or "")),
        "complete": bool(line.get("complete")),
        "completed_on": long_date(dt.datetime.fromtimestamp(completed_at, tz=dt.UTC)) if completed_at else "",
    }


def _common(enrolment: Enrolment) -> dict:
    """What both documents show, in the active language."""
    session = enrolment.session
    learner = enrolment.learner
    slots = list(session.slots.all())
    starts_on, ends_on = timezone.localtime(session.starts_at).date(), timezone.localtime(session.ends_at).date()
    hours = sum((slot.hours for slot in slots), Decimal(0))
    return {
        "seller": settings.SELLER,
        "signatory_name": settings.SELLER.get("signatory_name", ""),
        "signatory_title": settings.SELLER.get("signatory_title", ""),
        "place": seller_place(),
        "learner": learner,
        "learner_name": learner.get_full_name() or learner.email,
        "learner_civility": _civility_label(learner.civility),
        "enrolment": enrolment,
        "session": session,
        "course": session.course.localized,
        "starts_on": long_date(starts_on),
        "ends_on": long_date(ends_on),
        "dates": date_range(starts_on, ends_on),
        "duration_hours": hours,
        "venue": session.venue,
        "completed_on": long_date(enrolment.completed_at or timezone.now()),
    }


def certificate_context(enrolment: Enrolment, *, language: str | None = None) -> dict:
    """The template context of ``documents/certificate.html``, in the certificate's language."""
    enrolment = _load(enrolment)
    with translation.override(certificate_language(enrolment, language)):
        context = _common(enrolment)
        context["criteria"] = [_criterion(line) for line in enrolment.completion_details if isinstance(line, dict)]
        context["document_title"] = gettext("Certificate of completion %(code)s") % {"code": enrolment.session.code}
        return context


def realisation_context(enrolment: Enrolment, *, language: str | None = None) -> dict:
    """The template context of ``documents/realisation.html``, in the certificate's language."""
    enrolment = _load(enrolment)
    with translation.override(certificate_language(enrolment, language)):
        context = _common(enrolment)
        summary = attendance_by_enrolment([enrolment])[enrolment.pk]
        # Without a register, the whole timetable: the learner completed the course.
        context["attended_hours"] = summary.attended_hours if summary.recorded else context["duration_hours"]
        context["document_title"] = gettext("Certificate of attendance %(code)s") % {"code": enrolment.session.code}
        return context


def certificate_pdf(enrolment: Enrolment, *, language: str | None = None) -> bytes:
    """The certificate of completion (L6353-1) as a PDF, in the learner's language by default."""
    language = certificate_language(enrolment, language)
    with translation.override(language):
        return render_pdf(
            template_name="documents/certificate.html", context=certificate_context(enrolment, language=language)
        )


def realisation_pdf(enrolment: Enrolment, *, language: str | None = None) -> bytes:
    """The certificate of attendance (ministry model of the certificat de réalisation) as a PDF."""
    language = certificate_language(enrolment, language)
    with translation.override(language):
        return render_pdf(
            template_name="documents/realisation.html", context=realisation_context(enrolment, language=language)
        )
