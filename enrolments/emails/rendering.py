"""How a transactional email is put together: language, absolute links, HTML + text, attachments.

A family module (``enrolment``, ``payment``, …) registers each kind of email
with ``email_kind``: how to load its object, whose email it is (no email to
an anonymised person) and which language to write it in, and a function that
composes a ``Draft`` (recipients, subject, templates, context, attachments).
``deliver`` renders the draft under that language and sends it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from email.mime.text import MIMEText
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.template.loader import render_to_string
from django.utils import formats, translation

logger = logging.getLogger(__name__)

# Public paths the emails link to (the views own the pages; these are their stable addresses).
DASHBOARD_PATH = "/mon-espace/"
#: Update the card and pay a failed instalment now.
INSTALMENT_PAYMENT_PATH = "/mon-espace/paiements/{instalment_id}/regler/"
#: The enrolment page of a session (where a waitlist offer is taken).
ENROLMENT_PATH = "/inscription/{session_code}/"


def recipient_language(user) -> str:
    """The language to write to ``user`` in: the one they last logged in with, else the site's default."""
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def staff_language(_obj=None) -> str:
    """Staff and employers are written to in the site's default language."""
    return settings.LANGUAGE_CODE


def site_url(path: str, *, language: str) -> str:
    """The absolute URL of a site ``path`` in ``language`` (French has no prefix, as in i18n_patterns)."""
    prefix = "" if language == settings.LANGUAGE_CODE else f"/{language}"
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + prefix + path


def money(amount: Decimal, currency: str = "EUR") -> str:
    """An amount as the active language writes it: ``1 350,00 €`` in French, ``1,350.00 €`` in English."""
    symbol = "€" if currency == "EUR" else currency
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)}\u00a0{symbol}"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to an email; ``params`` are extra Content-Type parameters (``method`` of an invitation)."""

    filename: str
    content: bytes
    mimetype: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Draft:
    """One email before rendering: ``template`` names ``emails/<template>.html`` and ``.txt``."""

    to: list[str]
    subject: str
    template: str
    context: dict[str, Any]
    attachments: list[Attachment] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EmailKind:
    """What ``send`` needs to know about one kind of email."""

    name: str
    load: Callable[[Any], models.Model | None]
    person: Callable[[Any], Any]
    language: Callable[[Any], str]
    compose: Callable[[Any, str], Draft | None]


#: Every kind of email, by name; filled by the family modules.
KINDS: dict[str, EmailKind] = {}


def email_kind(
    name: str,
    *,
    load: Callable[[Any], models.Model | None],
    person: Callable[[Any], Any],
    language: Callable[[Any], str] | None = None,
) -> Callable[[Callable[[Any, str], Draft | None]], Callable[[Any, str], Draft | None]]:
    """Register ``compose(obj, language) -> Draft | None`` as the email ``name``.

    ``person(obj)`` is whom the email is about: nothing is sent once they are
    anonymised. ``language(obj)`` defaults to that person's language.
    """

    def register(compose: Callable[[Any, str], Draft | None]) -> Callable[[Any, str], Draft | None]:
        KINDS[name] = EmailKind(
            name=name,
            load=load,
            person=person,
            language=language or (lambda obj: recipient_language(person(obj))),
            compose=compose,
        )
        return compose

    return register


def loader(queryset: models.QuerySet) -> Callable[[Any], models.Model | None]:
    """Load one row of ``queryset`` by primary key; None if it is gone or the id is malformed."""

    def load(object_id: Any) -> models.Model | None:
        try:
            return queryset.filter(pk=object_id).first()
        except (TypeError, ValueError):
            return None

    return load


def base_context(*, language: str) -> dict[str, Any]:
    """What every email shows: the site, the dashboard, the seller's contact."""
    return {
        "language": language,
        "site_name": settings.WAGTAIL_SITE_NAME,
        "site_url": site_url("/", language=language),
        "dashboard_url": site_url(DASHBOARD_PATH, language=language),
        "seller": settings.SELLER,
    }


_BLANK_LINES = re.compile(r"\n{3,}")


def _tidy_text(text: str) -> str:
    """Template tags leave blank lines and trailing spaces: keep at most one empty line."""
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return _BLANK_LINES.sub("\n\n", lines) + "\n"


def _mime_part(attachment: Attachment) -> MIMEText:
    """A text attachment with its Content-Type parameters (``text/calendar; method=REQUEST``)."""
    maintype, subtype = attachment.mimetype.split("/", 1)
    part = MIMEText(attachment.content.decode(), subtype, "utf-8")
    for key, value in attachment.params.items():
        part.set_param(key, value)
    part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
    return part


def render_message(draft: Draft, *, language: str) -> EmailMultiAlternatives:
    """The email of ``draft``, rendered in ``language``: a text body and an HTML alternative."""
    with translation.override(language):
        context = {**base_context(language=language), **draft.context, "subject": draft.subject}
        text = _tidy_text(render_to_string(f"emails/{draft.template}.txt", context))
        html = render_to_string(f"emails/{draft.template}.html", context)
    message = EmailMultiAlternatives(
        subject=str(draft.subject),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=draft.to,
        reply_to=draft.reply_to or None,
    )
    message.attach_alternative(html, "text/html")
    for attachment in draft.attachments:
        if attachment.params:
            message.attach(_mime_part(attachment))
        else:
            message.attach(attachment.filename, attachment.content, attachment.mimetype)
    return message


def deliver(kind: EmailKind, object_id: Any) -> bool:
    """Compose and send the email ``kind`` about ``object_id`` now; False when there is nothing to send."""
    obj = kind.load(object_id)
    if obj is None:
        logger.warning("Email not sent: object gone", extra={"kind": kind.name, "object_id": object_id})
        return False
    person = kind.person(obj)
    if person is not None and person.anonymised_at is not None:
        return False
    language = kind.language(obj)
    with translation.override(language):
        draft = kind.compose(obj, language)
    if draft is None or not any(draft.to):
        return False
    draft.to = [address for address in draft.to if address]
    render_message(draft, language=language).send()
    logger.info("Email sent", extra={"kind": kind.name, "object_id": object_id})
    return True
