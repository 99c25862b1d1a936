"""The Moodle REST web-service client: one POST per call, every failure typed.

Only ``lms.backends.moodle`` uses it. It knows how Moodle 4.5 answers (see
``/work/shared/MOODLE.md``), not what the platform wants from Moodle:

- arguments are form fields in PHP bracket notation (``lms.moodle.encoding``);
- errors come back with HTTP 200 as ``{"exception", "errorcode", "message"}``, and are
  classified on ``errorcode`` (the exception class may or may not be namespaced);
- web services or the REST protocol disabled give HTTP 403 with an empty body;
- a URL other than Moodle's ``wwwroot`` gets a 303, and following it would drop the
  POST body, so redirects are never followed: they are a configuration error.

The token never appears in a message or a log line.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from django.utils.translation import gettext as _

from lms.moodle.encoding import WS_FIELDS, chunk, encode
from lms.moodle.errors import (
    HTTP_BAD_URL,
    HTTP_ERROR,
    HTTP_FORBIDDEN,
    HTTP_NOT_JSON,
    HTTP_REDIRECT,
    HTTP_TIMEOUT,
    HTTP_UNREACHABLE,
    ConfigurationError,
    ItemError,
    MoodleError,
    TransientError,
)

logger = logging.getLogger("lms.moodle")

REST_PATH = "/webservice/rest/server.php"

# Errorcodes that say the token, its user or its service is wrong: nothing works until an
# administrator acts. Moodle 4.5 raises them in webservice/lib.php and require_login().
CONFIGURATION_ERRORCODES = frozenset(
    {
        "invalidtoken",
        "invalidtimedtoken",
        "invalidiptoken",
        "accessexception",  # the function is not in the token's service, or a capability is missing
        "nopermissions",  # required_capability_exception inside a function
        "requireloginerror",
        "servicerequireslogin",
        "servicenotavailable",
        "webservicesnotenabled",
        "enablewsdescription",
        "wsauthmissing",
        "wsauthnotenabled",
        "wsaccessuserdeleted",
        "wsaccessuserunconfirmed",
        "wsaccessusersuspended",
        "wsaccessuserexpired",
        "wsaccessusernologin",
        "forcepasswordchangenotice",
        "usernotfullysetup",
    }
)

# Errorcodes that say "not now": the site is in maintenance mode.
TRANSIENT_ERRORCODES = frozenset({"sitemaintenance"})

# HTTP statuses worth retrying; every other 4xx means the URL is wrong.
TRANSIENT_STATUSES = frozenset({408, 429})

_BODY_EXCERPT = 200
# Moodle's tokens are 32 characters; below this length, only whole words are redacted.
_MIN_PLAIN_REDACT = 8


@dataclass(frozen=True)
class MoodleWarning:
    """One entry of the ``warnings`` array Moodle returns with HTTP 200 for per-item failures."""

    item: str
    itemid: int | None
    warningcode: str
    message: str


def warnings_of(result: Any) -> list[MoodleWarning]:
    """The ``warnings`` of a dict result (``core_course_update_courses``…); ``[]`` otherwise."""
    if not isinstance(result, Mapping) or not isinstance(result.get("warnings"), list):
        return []
    return [_warning(entry) for entry in result["warnings"] if isinstance(entry, Mapping)]


class MoodleClient:
    """Calls Moodle's REST web services with one token.

    ``call()`` returns the decoded JSON, or raises ``TransientError``,
    ``ConfigurationError`` or ``ItemError`` (all carry ``function``). ``calls`` counts the
    calls attempted, failed ones included.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_form_fields: int = 900,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError(_("MOODLE_URL must be Moodle's http(s) address, e.g. https://moodle.example.org."))
        if not token:
            raise ConfigurationError(_("MOODLE_TOKEN is empty."))
        if max_form_fields <= len(WS_FIELDS):
            raise ValueError(f"max_form_fields must be more than {len(WS_FIELDS)}")
        self.url = url.rstrip("/")
        self.endpoint = self.url + REST_PATH
        self.max_form_fields = max_form_fields
        self.calls = 0
        self._token = token
        self._http = httpx.Client(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            follow_redirects=False,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "ALLyS-Formation Moodle client"},
        )

    @classmethod
    def from_settings(cls, *, transport: httpx.BaseTransport | None = None) -> MoodleClient:
        """A client configured from ``settings.MOODLE_*``."""
        from django.conf import settings

        return cls(
            getattr(settings, "MOODLE_URL", ""),
            getattr(settings, "MOODLE_TOKEN", ""),
            connect_timeout=float(getattr(settings, "MOODLE_CONNECT_TIMEOUT", 5.0)),
            read_timeout=float(getattr(settings, "MOODLE_READ_TIMEOUT", 30.0)),
            max_form_fields=int(getattr(settings, "MOODLE_MAX_FORM_FIELDS", 900)),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"<MoodleClient {self.url}>"

    def __enter__(self) -> MoodleClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def chunks(self, items: list[dict], *, list_key: str, common: Mapping[str, Any] | None = None) -> list[list[dict]]:
        """``items`` cut into batches that each fit in one call (see ``encoding.chunk``)."""
        return chunk(items, list_key=list_key, max_fields=self.max_form_fields, common=common)

    def call(self, function: str, /, **params: Any) -> Any:
        """Call ``function`` with ``params`` and return Moodle's decoded JSON (``None`` for ``null``).

        Raises ``ValueError`` before sending when the request has more form fields than
        ``max_form_fields`` (PHP would silently truncate it): cut batches with ``chunks()``.
        """
        clash = set(params) & set(WS_FIELDS)
        if clash:
            raise ValueError(f"{', '.join(sorted(clash))} cannot be a web-service argument")
        fields = [("wstoken", self._token), ("wsfunction", function), ("moodlewsrestformat", "json"), *encode(params)]
        if len(fields) > self.max_form_fields:
            raise ValueError(
                f"{function}: {len(fields)} form fields, more than max_form_fields={self.max_form_fields}; "
                "split the batch with chunks()"
            )

        self.calls += 1
        started = time.monotonic()
        try:
            response = self._http.post(
                self.endpoint,
                content=urlencode(fields),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        except httpx.UnsupportedProtocol as exc:
            raise self._error(
                ConfigurationError, function, _("Moodle's URL cannot be used: %s") % exc, errorcode=HTTP_BAD_URL
            ) from None
        except httpx.TimeoutException as exc:
            message = _("Moodle did not answer in time (%s).") % _name(exc)
            raise self._error(TransientError, function, message, errorcode=HTTP_TIMEOUT) from None
        except httpx.RequestError as exc:
            reason = str(exc) or _name(exc)
            message = _("Moodle could not be reached: %s") % reason
            raise self._error(TransientError, function, message, errorcode=HTTP_UNREACHABLE) from None
        finally:
            elapsed_ms = (time.monotonic() - started) * 1000
            logger.debug(
                "Moodle %s: %.0f ms",
                function,
                elapsed_ms,
                extra={"moodle_function": function, "moodle_fields": len(fields), "moodle_ms": round(elapsed_ms)},
            )

        result = self._decode(function, response)
        for warning in warnings_of(result):
            logger.warning(
                "Moodle %s warning %s on %s %s: %s",
                function,
                warning.warningcode,
                warning.item,
                warning.itemid,
                self._redact(warning.message),
                extra={
                    "moodle_function": function,
                    "moodle_warningcode": warning.warningcode,
                    "moodle_item": warning.item,
                    "moodle_itemid": warning.itemid,
                },
            )
        return result

    def _decode(self, function: str, response: httpx.Response) -> Any:
        status = response.status_code
        if response.is_redirect or 300 <= status < 400:
            location = response.headers.get("Location", "")
            raise self._error(
                ConfigurationError,
                function,
                _(
                    "Moodle redirected to %(location)s (HTTP %(status)s). MOODLE_URL must be Moodle's wwwroot "
                    "exactly, and redirects are never followed on POST."
                )
                % {"location": location or "?", "status": status},
                errorcode=HTTP_REDIRECT,
            )
        if status >= 500 or status in TRANSIENT_STATUSES:
            raise self._error(TransientError, function, _("Moodle answered HTTP %s.") % status, errorcode=HTTP_ERROR)
        if status == 403:
            raise self._error(
                ConfigurationError,
                function,
                _("Moodle answered HTTP 403: web services or the REST protocol are disabled on the Moodle site."),
                errorcode=HTTP_FORBIDDEN,
            )
        if status >= 400:
            raise self._error(
                ConfigurationError,
                function,
                _("Moodle answered HTTP %(status)s for %(url)s: MOODLE_URL is probably wrong.")
                % {"status": status, "url": self.endpoint},
                errorcode=HTTP_ERROR,
            )

        try:
            data = json.loads(response.content)
        except ValueError:
            raise self._error(
                TransientError,
                function,
                _("Moodle's answer is not JSON (%(type)s, %(size)s bytes): %(excerpt)s")
                % {
                    "type": response.headers.get("Content-Type", "?"),
                    "size": len(response.content),
                    "excerpt": response.text[:_BODY_EXCERPT].strip() or "(empty)",
                },
                errorcode=HTTP_NOT_JSON,
            ) from None

        if isinstance(data, dict) and ("exception" in data or "errorcode" in data):
            raise self._moodle_exception(function, data)
        if data is not None and not isinstance(data, dict | list):
            raise self._error(
                TransientError,
                function,
                _("Moodle's answer is not a web-service result: %s") % str(data)[:_BODY_EXCERPT],
            )
        return data

    def _moodle_exception(self, function: str, data: dict) -> MoodleError:
        errorcode = str(data.get("errorcode") or "")
        message = str(data.get("message") or errorcode or data.get("exception") or "")
        debuginfo = str(data.get("debuginfo") or "")
        if errorcode in CONFIGURATION_ERRORCODES:
            kind: type[MoodleError] = ConfigurationError
        elif errorcode in TRANSIENT_ERRORCODES:
            kind = TransientError
        else:
            kind = ItemError
        return self._error(kind, function, message, errorcode=errorcode, debuginfo=debuginfo)

    def _error(
        self, kind: type[MoodleError], function: str, message: str, *, errorcode: str = "", debuginfo: str = ""
    ) -> MoodleError:
        return kind(
            self._redact(message),
            errorcode=self._redact(errorcode),
            function=function,
            debuginfo=self._redact(debuginfo),
        )

    def _redact(self, text: str) -> str:
        if not text:
            return text
        if len(self._token) >= _MIN_PLAIN_REDACT:
            return text.replace(self._token, "[token]")
        # A short token would also match inside ordinary words ("invalidtoken").
        return re.sub(rf"(?<![A-Za-z0-9]){re.escape(self._token)}(?![A-Za-z0-9])", "[token]", text)


def _warning(entry: Mapping[str, Any]) -> MoodleWarning:
    itemid = entry.get("itemid")
    try:
        itemid = int(itemid) if itemid not in (None, "") else None
    except (TypeError, ValueError):
        itemid = None
    return MoodleWarning(
        item=_text(entry.get("item")),
        itemid=itemid,
        warningcode=_text(entry.get("warningcode")),
        message=_text(entry.get("message")),
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _name(exc: Exception) -> str:
    return type(exc).__name__
