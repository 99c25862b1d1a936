"""Moodle's exceptions as its REST server reports them: ``{"exception", "errorcode", "message"}``.

Messages are those of a site with developer debugging off, except for ``invalidparameter``:
Moodle then says only "Invalid parameter value detected" and keeps the detail in ``debuginfo``;
the fake appends the detail in brackets (as Moodle does with debugging on) so tests can tell
the failures apart, and never sends ``debuginfo``.
"""

from __future__ import annotations

MOODLE_EXCEPTION = "core\\exception\\moodle_exception"


class MoodleException(Exception):
    """An exception a Moodle function throws; the server turns it into an error body."""

    def __init__(self, errorcode: str, message: str, *, exception: str = MOODLE_EXCEPTION) -> None:
        super().__init__(message)
        self.exception = exception
        self.errorcode = errorcode
        self.message = message

    def as_dict(self) -> dict:
        return {"exception": self.exception, "errorcode": self.errorcode, "message": self.message}


class InvalidParameter(MoodleException):
    """``invalid_parameter_exception``; ``detail`` is what Moodle puts in ``debuginfo``."""

    GENERIC = "Invalid parameter value detected"

    def __init__(self, detail: str) -> None:
        super().__init__("invalidparameter", f"{self.GENERIC} ({detail})", exception="invalid_parameter_exception")
        self.detail = detail


def moodle_error(errorcode: str, message: str) -> MoodleException:
    return MoodleException(errorcode, message)


def missing_record(table: str) -> MoodleException:
    """What ``$DB->get_record(..., MUST_EXIST)`` throws for an unknown id."""
    return MoodleException(
        "invalidrecord",
        f"Can't find data record in database table {table}.",
        exception="dml_missing_record_exception",
    )


def invalid_token() -> MoodleException:
    return MoodleException("invalidtoken", "Invalid token - token not found", exception="moodle_exception")


def access_exception() -> MoodleException:
    return MoodleException("accessexception", "Access control exception", exception="webservice_access_exception")
