"""Batched writes to Moodle, and the splitting that isolates a refused item.

Moodle's create and enrol functions are all-or-nothing: one bad item rolls back
the whole call. A batch refused with an ``ItemError`` is cut in halves, and each
half is tried again, until the bad items stand alone; the others are saved.
``TransientError`` and ``ConfigurationError`` concern the whole call: they are
never caught here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from lms.backends.base import ItemResult, Outcome
from lms.moodle.client import MoodleClient, warnings_of
from lms.moodle.errors import ItemError

logger = logging.getLogger(__name__)

T = TypeVar("T")
K = TypeVar("K")

# What Moodle answers when it saved an enrolment but could not send the welcome email.
MESSAGE_NOT_SENT = "Message was not sent."


@dataclass
class Written(Generic[T]):
    """What became of a batch: the sub-batches Moodle accepted, with its answer, and the refused items."""

    done: list[tuple[list[T], Any]] = field(default_factory=list)
    failed: list[tuple[T, ItemError]] = field(default_factory=list)

    def extend(self, other: Written[T]) -> None:
        self.done.extend(other.done)
        self.failed.extend(other.failed)

    @property
    def saved(self) -> list[T]:
        return [item for batch, _answer in self.done for item in batch]


def write_isolating(
    items: Sequence[T],
    write: Callable[[list[T]], Any],
    *,
    recover: Callable[[list[T], ItemError], list[T]] | None = None,
) -> Written[T]:
    """Call ``write(items)``; when it raises ``ItemError``, split the batch in halves and retry each.

    ``recover(batch, error)``, when given, re-reads Moodle after an error and returns the
    items of ``batch`` that are still not written (Moodle may fail after saving). Items it
    reports saved count as done (with ``None`` as the answer) and only the rest is retried.
    """
    written: Written[T] = Written()

    def run(batch: list[T]) -> None:
        try:
            answer = write(batch)
        except ItemError as error:
            pending = recover(batch, error) if recover else batch
            if len(pending) < len(batch):
                saved = [item for item in batch if item not in pending]
                written.done.append((saved, None))
                if pending:
                    run(pending)
                return
            if len(batch) == 1:
                written.failed.append((batch[0], error))
                return
            middle = len(batch) // 2
            run(batch[:middle])
            run(batch[middle:])
        else:
            written.done.append((batch, answer))

    if items:
        run(list(items))
    return written


def write_batches(
    client: MoodleClient,
    function: str,
    items: list[dict],
    *,
    list_key: str,
    common: Mapping[str, Any] | None = None,
    recover: Callable[[list[dict], ItemError], list[dict]] | None = None,
) -> Written[dict]:
    """Send ``items`` to ``function`` in as few calls as the form-field limit allows, isolating refused items."""
    common = dict(common or {})
    written: Written[dict] = Written()
    for batch in client.chunks(items, list_key=list_key, common=common):
        written.extend(
            write_isolating(batch, lambda part: client.call(function, **common, **{list_key: part}), recover=recover)
        )
    return written


def warning_errors(answer: Any, function: str) -> dict[int | None, ItemError]:
    """The per-item ``warnings`` of an answer, as ``ItemError`` by Moodle item id."""
    return {
        w.itemid: ItemError(w.message or w.warningcode, errorcode=w.warningcode, function=function)
        for w in warnings_of(answer)
    }


def update_with_warnings(
    client: MoodleClient,
    function: str,
    list_key: str,
    existing: dict[str, dict],
    changes: dict[str, dict[str, Any]],
    results: dict[str, ItemResult],
) -> None:
    """Push changed fields with an ``update_*`` function that answers per-item warnings.

    An item Moodle warns about, or refuses with an error, becomes FAILED in ``results``.
    """
    items = [{"id": existing[key]["id"], **fields} for key, fields in changes.items() if fields]
    if not items:
        return
    key_of = {existing[key]["id"]: key for key in changes}
    written = write_batches(client, function, items, list_key=list_key)
    for batch, answer in written.done:
        errors = warning_errors(answer, function)
        for item in batch:
            if item["id"] in errors:
                results[key_of[item["id"]]] = failed(key_of[item["id"]], errors[item["id"]], item["id"])
        for itemid, error in errors.items():
            if itemid not in key_of:
                logger.warning("Moodle %s warning on an unexpected item %s: %s", function, itemid, error)
    for item, error in written.failed:
        results[key_of[item["id"]]] = failed(key_of[item["id"]], error, item["id"])


def is_message_not_sent(error: ItemError) -> bool:
    return MESSAGE_NOT_SENT in (error.errorcode, error.message)


def unique(specs: Iterable[T], key: Callable[[T], K] = lambda spec: spec.key) -> list[T]:  # type: ignore[attr-defined]
    """``specs`` without repeated keys, first one kept, order kept."""
    seen: dict[K, T] = {}
    for spec in specs:
        seen.setdefault(key(spec), spec)
    return list(seen.values())


def failed(key: str, error: ItemError, moodle_id: int | None = None) -> ItemResult:
    return ItemResult(key=key, outcome=Outcome.FAILED, moodle_id=moodle_id, error=error)


def not_found(key: str, message: str, function: str = "") -> ItemResult:
    """A FAILED result for an object our spec refers to but Moodle does not have."""
    return failed(key, ItemError(message, errorcode="invalidrecord", function=function))
