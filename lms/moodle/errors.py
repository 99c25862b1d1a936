"""The three kinds of failure a Moodle call can end in.

- ``TransientError``: the network, a timeout, HTTP 5xx, an HTML body. Retry later.
- ``ConfigurationError``: ``invalidtoken``, ``accessexception``, ``servicerequireslogin``,
  HTTP 403, a redirect. Retrying will not help until an administrator acts.
- ``ItemError``: anything else Moodle answers with an ``errorcode``. It concerns
  the items sent; other items may go through on their own.
"""

from __future__ import annotations

# Our own error codes for failures that happen before Moodle could give one (never Moodle's codes).
HTTP_BAD_URL = "allys:badurl"
HTTP_TIMEOUT = "allys:timeout"
HTTP_UNREACHABLE = "allys:unreachable"
HTTP_REDIRECT = "allys:redirect"
HTTP_FORBIDDEN = "allys:http403"
HTTP_ERROR = "allys:httperror"
HTTP_NOT_JSON = "allys:notjson"


class MoodleError(Exception):
    """Base class. ``errorcode`` and ``message`` are Moodle's when it gave them."""

    def __init__(self, message: str, *, errorcode: str = "", function: str = "", debuginfo: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.errorcode = errorcode
        self.function = function
        self.debuginfo = debuginfo

    def __str__(self) -> str:
        code = f"[{self.errorcode}] " if self.errorcode else ""
        where = f" ({self.function})" if self.function else ""
        return f"{code}{self.message}{where}"


class TransientError(MoodleError):
    """Moodle could not be reached or answered something that was not its JSON."""


class ConfigurationError(MoodleError):
    """The token, the service or the URL is wrong; nothing will work until fixed."""


class ItemError(MoodleError):
    """Moodle refused the request's items (``errorcode`` says why)."""
