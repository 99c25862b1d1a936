"""Moodle's form encoding: PHP bracket notation, and batches cut to fit PHP's ``max_input_vars``.

Moodle's REST server reads ``$_POST`` only, so arguments must be form fields named the
way PHP builds arrays: ``courses[0][fullname]=…``, ``values[0]=…``. Booleans are ``1`` /
``0`` (``true`` is refused). PHP silently drops the fields past ``max_input_vars``
(1000 by default), and the call then fails with ``invalidparameter``, so batches are cut
by their number of form fields, not by their number of rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

# The fields every call carries besides its arguments.
WS_FIELDS = ("wstoken", "wsfunction", "moodlewsrestformat")


def encode(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Flatten ``params`` into ``(name, value)`` form fields in PHP bracket notation.

    Nested mappings give ``key[sub]``, lists and tuples give ``key[0]``, ``key[1]``…
    Booleans become ``"1"`` / ``"0"``; ``None`` values are left out (Moodle then
    applies its default). Anything other than str, int, bool, float, Decimal,
    a mapping or a list raises ``TypeError``: dates must be sent as Unix seconds.
    """
    fields: list[tuple[str, str]] = []
    for key, value in params.items():
        fields.extend(_flatten(str(key), value))
    return fields


def count_fields(params: Mapping[str, Any] | None) -> int:
    """The number of form fields ``params`` encodes to."""
    return len(encode(params)) if params else 0


def chunk(
    items: list[dict], *, list_key: str, max_fields: int, common: Mapping[str, Any] | None = None
) -> list[list[dict]]:
    """Split ``items`` into consecutive batches whose calls stay within ``max_fields`` form fields.

    A call's fields are the three web-service fields, the ``common`` arguments and the
    batch's items under ``list_key``. Order is kept and every item lands in exactly one
    batch. Raises ``ValueError`` when one item alone cannot fit.
    """
    common = common or {}
    if list_key in common:
        raise ValueError(f"{list_key!r} is the batch's key; it cannot also be a common argument")
    base = len(WS_FIELDS) + count_fields(common)
    batches: list[list[dict]] = []
    current: list[dict] = []
    used = base
    for index, item in enumerate(items):
        size = count_fields({list_key: [item]})
        if base + size > max_fields:
            raise ValueError(
                f"{list_key}[{index}] needs {size} form fields, plus {base} for the call: "
                f"more than the limit of {max_fields}"
            )
        if current and used + size > max_fields:
            batches.append(current)
            current, used = [], base
        current.append(item)
        used += size
    if current:
        batches.append(current)
    return batches


def _flatten(name: str, value: Any) -> Iterator[tuple[str, str]]:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, sub in value.items():
            yield from _flatten(f"{name}[{key}]", sub)
    elif isinstance(value, list | tuple):
        for index, sub in enumerate(value):
            yield from _flatten(f"{name}[{index}]", sub)
    else:
        yield name, _scalar(name, value)


def _scalar(name: str, value: Any) -> str:
    # bool first: it is an int. The str.__str__ / int.__repr__ calls give the plain
    # value of enum members (TextChoices, IntEnum), not "Role.STUDENT".
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, float | Decimal):
        return str(value)
    raise TypeError(f"{name}: cannot send a {type(value).__name__} to Moodle")
