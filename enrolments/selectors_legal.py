"""The legal texts in force: the versions a learner reads and accepts before enrolling (L6353-8)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from enrolments.models import LegalText, LegalTextKind


class LegalTextMissing(Exception):
    """No version of a required legal text is in force: nobody can enrol until staff publish one."""

    def __init__(self, kinds: list[str]) -> None:
        self.kinds = kinds
        super().__init__(f"No legal text in force for: {', '.join(kinds)}")


def current_legal_texts(*, now: dt.datetime | None = None) -> dict[str, LegalText]:
    """The latest version of each kind whose ``effective_from`` has come, keyed by kind.

    Raises ``LegalTextMissing`` when a kind has no version in force: an enrolment
    must point at the exact texts the person read, so there is no fallback.
    """
    now = now or timezone.now()
    texts: dict[str, LegalText] = {}
    # One query; the model orders by kind, then newest effective_from first.
    for text in LegalText.objects.filter(effective_from__lte=now).order_by("kind", "-effective_from", "-pk"):
        texts.setdefault(text.kind, text)
    missing = [kind for kind in LegalTextKind.values if kind not in texts]
    if missing:
        raise LegalTextMissing(missing)
    return texts
