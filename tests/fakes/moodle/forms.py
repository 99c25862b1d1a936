"""Building requests for the fake by hand, as a test would: bracket notation and the control fields."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

ENDPOINT = "/webservice/rest/server.php"
FORM = "application/x-www-form-urlencoded"


def form_fields(**arguments: Any) -> list[tuple[str, str]]:
    """PHP bracket notation: ``form_fields(courses=[{"fullname": "A"}])`` -> ``[("courses[0][fullname]", "A")]``."""
    pairs: list[tuple[str, str]] = []

    def flatten(name: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                flatten(f"{name}[{key}]", item)
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                flatten(f"{name}[{index}]", item)
        else:
            pairs.append((name, str(value)))

    for name, value in arguments.items():
        flatten(name, value)
    return pairs


def control_fields(function: str, token: str = "fake-token") -> list[tuple[str, str]]:  # noqa: S107
    return [("wstoken", token), ("wsfunction", function), ("moodlewsrestformat", "json")]


def post_form(client: httpx.Client, pairs: list[tuple[str, str]], **kwargs: Any) -> httpx.Response:
    """POST the pairs, in this order, to the REST endpoint of the client's ``base_url``."""
    return client.post(ENDPOINT, content=urlencode(pairs), headers={"Content-Type": FORM}, **kwargs)


def ws_call(client: httpx.Client, function: str, **arguments: Any) -> Any:
    """Call ``function`` with JSON output and return the decoded answer (Moodle errors included)."""
    response = post_form(client, control_fields(function) + form_fields(**arguments))
    response.raise_for_status()
    return response.json()
