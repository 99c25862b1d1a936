"""Choose the LMS backend from ``settings.LMS_BACKEND``."""

from __future__ import annotations

from django.conf import settings

from lms.backends.base import KnownIds, LmsBackend


def get_backend(known: KnownIds | None = None, *, name: str | None = None) -> LmsBackend | None:
    """The configured backend, or None when the export is off."""
    name = name or settings.LMS_BACKEND
    if name == "off":
        return None
    if name == "dummy":
        from lms.backends.dummy import DummyBackend

        return DummyBackend(known)
    if name == "moodle":
        from lms.backends.moodle import MoodleBackend

        return MoodleBackend(known=known)
    raise ValueError(f"Unknown LMS_BACKEND {name!r}: use moodle, dummy or off.")
