"""Search and reference indexes for the seed: built in bulk, not once per save.

On every save of an indexed object, the search package and Wagtail's
reference index each enqueue a background task. For a seed that saves
thousands of objects this floods the task queue (and, with the immediate
backend, re-indexes each page several times), so the seed pauses both and
indexes what it built at the end, in the same process.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Model, QuerySet
from django.db.models.signals import post_save
from modelsearch.index import get_indexed_models
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.models import ReferenceIndex
from wagtail.search.backends import get_search_backends
from wagtail.signal_handlers import disable_reference_index_auto_update

CHUNK_SIZE = 500


@contextmanager
def automatic_indexing_paused() -> Iterator[None]:
    """Stop the per-save search and reference index tasks, then restore them."""
    paused = [model for model in get_indexed_models() if post_save.disconnect(post_save_signal_handler, sender=model)]
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        for model in paused:
            post_save.connect(post_save_signal_handler, sender=model)


def index_objects(model: type[Model], pks: Iterable[int] | None = None) -> int:
    """Index ``model``'s objects (all, or those in ``pks``) for search and for Wagtail's usage counts."""
    objects: QuerySet = model.get_indexed_objects().order_by("pk")
    if pks is not None:
        objects = objects.filter(pk__in=list(pks))
    backends = list(get_search_backends(with_auto_update=True))
    references = ReferenceIndex.is_indexed(model)
    total = 0
    with transaction.atomic():
        for start in range(0, objects.count(), CHUNK_SIZE):
            chunk = list(objects[start : start + CHUNK_SIZE])
            for backend in backends:
                backend.add_bulk(model, chunk)
            if references:
                for obj in chunk:
                    ReferenceIndex.create_or_update_for_object(obj)
            total += len(chunk)
    return total
