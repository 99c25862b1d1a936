"""One counter of catalogue changes saved or deleted in this process.

The listing rows and the catalogue feed are cached per process, keyed by a
version read from the database. That version sees every process's changes
but misses a few (a page saved without publishing, ids reused after a
rollback); this counter covers those for changes made here. Both caches add
it to their keys, so one signal hook serves them.
"""

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, Site

from catalogue.models import Partner, Theme
from courses.models import PriceTier, Session, TimetableSlot, Venue

_WATCHED = (Page, Site, Theme, Partner, Session, TimetableSlot, PriceTier, Venue)
_count = 0


def local_changes() -> int:
    """How many watched rows this process has saved or deleted so far."""
    return _count


def _count_change(sender, instance, **_kwargs) -> None:
    global _count
    if isinstance(instance, _WATCHED):
        _count += 1


def connect() -> None:
    """Listen to every save and delete (page models are many; the check is cheap)."""
    post_save.connect(_count_change, dispatch_uid="courses-catalogue-change-save")
    post_delete.connect(_count_change, dispatch_uid="courses-catalogue-change-delete")
