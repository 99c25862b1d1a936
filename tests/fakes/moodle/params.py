"""PHP's form decoding and Moodle's parameter validation (``external_api::validate_parameters``).

PHP turns ``courses[0][fullname]=…`` into nested arrays; a PHP array is kept here as an
ordered ``dict`` with string keys (``values[]`` appends the next integer key). Moodle then
checks the arrays against each function's description: a list (``Multiple``) takes the
array's values in order whatever their keys, a structure (``Single``) needs its required
keys and refuses unknown ones, and a scalar (``Value``) must survive ``clean_param``
unchanged (so ``true`` is not a boolean and ``01`` is not an integer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from .errors import InvalidParameter

REQUIRED, OPTIONAL, DEFAULT = "required", "optional", "default"

LANGS = {"en", "fr"}
AUTHS = {
    "manual", "nologin", "email", "webservice", "none", "db", "lti",
    "cas", "ldap", "shibboleth", "oauth2", "saml2", "oidc",
}  # fmt: skip
INTERNAL_AUTHS = {"manual", "email", "webservice", "none", "db"}

_BRACKETS = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])+)$")
_TAG = re.compile(r"<[a-zA-Z/!?][^>]*>?")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


def parse_form(text: str, max_input_vars: int) -> dict:
    """One source (query string or body) as PHP's ``$_GET``/``$_POST``: fields past ``max_input_vars`` are dropped."""
    result: dict = {}
    for name, value in parse_qsl(text, keep_blank_values=True)[:max_input_vars]:
        match = _BRACKETS.match(name)
        if not match:
            result[name] = value
            continue
        keys = re.findall(r"\[([^\[\]]*)\]", match.group(2))
        node = result
        path = [match.group(1), *keys]
        for position, key in enumerate(path):
            if key == "":
                key = str(max((int(k) + 1 for k in node if _is_int(k)), default=0))
            if position == len(path) - 1:
                node[key] = value
            else:
                if not isinstance(node.get(key), dict):
                    node[key] = {}
                node = node[key]
    return result


def _is_int(key: str) -> bool:
    return bool(re.fullmatch(r"-?\d+", key))


def to_plain(node: Any) -> Any:
    """A PHP array as JSON-like data: arrays whose keys are all integers become lists."""
    if not isinstance(node, dict):
        return node
    plain = {key: to_plain(value) for key, value in node.items()}
    if plain and all(_is_int(key) for key in plain):
        return list(plain.values())
    return plain


# --- Parameter descriptions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    type: str
    required: str = REQUIRED
    default: Any = None


@dataclass(frozen=True)
class Single:
    keys: dict[str, Value | Single | Multiple]
    required: str = REQUIRED
    default: Any = None


@dataclass(frozen=True)
class Multiple:
    content: Value | Single | Multiple
    required: str = REQUIRED
    default: Any = field(default=None)


Description = Value | Single | Multiple


def opt(description: Description) -> Description:
    """The same description with ``VALUE_OPTIONAL``."""
    return type(description)(*_fields(description)[:-2], OPTIONAL, None)


def default(description: Description, value: Any) -> Description:
    """The same description with ``VALUE_DEFAULT``."""
    return type(description)(*_fields(description)[:-2], DEFAULT, value)


def _fields(description: Description) -> tuple:
    if isinstance(description, Value):
        return (description.type, description.required, description.default)
    if isinstance(description, Single):
        return (description.keys, description.required, description.default)
    return (description.content, description.required, description.default)


def validate(description: Description, params: Any) -> Any:
    """Moodle's ``validate_parameters``: the cleaned value, or ``InvalidParameter`` with Moodle's debug text."""
    if isinstance(description, Value):
        if isinstance(params, dict):
            raise InvalidParameter("Scalar type expected, array or object received.")
        return _validate_value(description.type, params)
    if not isinstance(params, dict):
        raise InvalidParameter(f"Only arrays accepted. The bad value is: '{params}'")
    if isinstance(description, Multiple):
        return [validate(description.content, item) for item in params.values()]
    result = {}
    remaining = dict(params)
    for key, sub in description.keys.items():
        if key not in remaining:
            if sub.required == REQUIRED:
                raise InvalidParameter(f"Missing required key in single structure: {key}")
            if sub.required == DEFAULT:
                result[key] = _validate_default(key, sub)
            continue
        try:
            result[key] = validate(sub, remaining.pop(key))
        except InvalidParameter as error:
            raise InvalidParameter(f"{key} => {InvalidParameter.GENERIC}: {error.detail}") from None
    if remaining:
        raise InvalidParameter(f"Unexpected keys ({', '.join(remaining)}) detected in parameter array.")
    return result


def _validate_default(key: str, sub: Description) -> Any:
    if isinstance(sub, Value):
        return sub.default
    return list(sub.default) if isinstance(sub, Multiple) else dict(sub.default or {})


def _validate_value(param_type: str, value: str) -> Any:
    if param_type == "bool" and value in ("0", "1"):
        return value == "1"
    cleaned = clean(value, param_type)
    if str(cleaned) != value:
        raise InvalidParameter(
            f'Invalid external api parameter: the value is "{value}", the server was expecting "{param_type}" type'
        )
    return cleaned


def clean(value: str, param_type: str) -> Any:
    """A subset of Moodle's ``clean_param``."""
    match param_type:
        case "int":
            return _php_int(value)
        case "bool":
            lowered = value.lower()
            if lowered in ("on", "yes", "true"):
                return 1
            if lowered in ("off", "no", "false"):
                return 0
            return 0 if value in ("", "0") else 1
        case "raw":
            return value
        case "rawtrimmed":
            return value.strip()
        case "text" | "notags":
            return _TAG.sub("", value)
        case "alpha":
            return re.sub(r"[^a-zA-Z]", "", value)
        case "alphanumext":
            return re.sub(r"[^a-zA-Z0-9_-]", "", value)
        case "plugin":
            return value if re.fullmatch(r"[a-z][a-z0-9_]*", value) else ""
        case "sequence":
            return re.sub(r"[^0-9,]", "", value)
        case "username":
            return re.sub(r"[^-.@_a-z0-9]", "", value.strip().lower())
        case "email":
            return value if is_email(value) else ""
        case "lang":
            return value if value in LANGS else ""
        case "auth":
            return value if value in AUTHS else ""
        case "timezone":
            return value if re.fullmatch(r"[A-Za-z0-9_/+\-]+", value) else ""
    raise ValueError(f"unknown parameter type {param_type}")


def _php_int(value: str) -> int:
    """PHP's ``(int)"12abc"`` is 12: the leading integer, else 0."""
    match = re.match(r"\s*([+-]?\d+)", value)
    return int(match.group(1)) if match else 0


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value))
