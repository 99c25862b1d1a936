"""The LMS seam: what the rest of the platform may ask of an LMS.

Specs describe the *desired* state of one object in the LMS, keyed by our
stable identifiers (session code, user idnumber, organisation code). Backends
read the LMS, compare, and write only the differences, so every operation is
idempotent and safe to retry.

Errors: an operation raises ``TransientError`` or ``ConfigurationError``
(from ``lms.moodle.errors``) when the whole call failed; a refused item is
returned as an ``ItemResult`` with ``outcome=FAILED`` and its ``ItemError``,
and the other items still go through.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass, field

from lms.moodle.errors import ItemError


@dataclass(frozen=True)
class CategorySpec:
    idnumber: str
    name: str
    parent_idnumber: str = ""  # "" = top level
    description: str = ""

    @property
    def key(self) -> str:
        return self.idnumber


@dataclass(frozen=True)
class CourseSpec:
    """One session as a Moodle course: shortname and idnumber are the session code."""

    idnumber: str
    fullname: str
    category_idnumber: str
    summary: str  # HTML
    startdate: int  # Unix seconds
    enddate: int
    lang: str  # "fr", "en"
    visible: bool = True

    @property
    def key(self) -> str:
        return self.idnumber

    @property
    def shortname(self) -> str:
        return self.idnumber


@dataclass(frozen=True)
class UserSpec:
    """A learner. ``idnumber`` is our stable user id; the username is the lowercased email at creation."""

    idnumber: str
    email: str
    firstname: str
    lastname: str
    lang: str = "fr"

    @property
    def key(self) -> str:
        return self.idnumber


@dataclass(frozen=True)
class EnrolmentSpec:
    """A learner's place in a course. ``active=False`` means: not enrolled."""

    user_idnumber: str
    course_idnumber: str
    active: bool
    timestart: int = 0
    timeend: int = 0

    @property
    def key(self) -> str:
        return enrolment_key(self.user_idnumber, self.course_idnumber)


def enrolment_key(user_idnumber: str, course_idnumber: str) -> str:
    return f"{user_idnumber}@{course_idnumber}"


@dataclass(frozen=True)
class CohortSpec:
    """An organisation as a system cohort; members are user idnumbers."""

    idnumber: str
    name: str
    members: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.idnumber


@dataclass(frozen=True)
class GroupSpec:
    """An organisation's group inside one course; members are user idnumbers (already enrolled)."""

    course_idnumber: str
    idnumber: str
    name: str
    members: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.course_idnumber}/{self.idnumber}"


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass
class ItemResult:
    key: str
    outcome: Outcome
    moodle_id: int | None = None
    error: ItemError | None = None

    @property
    def ok(self) -> bool:
        return self.outcome != Outcome.FAILED


class CompletionState(enum.StrEnum):
    COMPLETED = "completed"
    IN_PROGRESS = "in_progress"
    UNKNOWN = "unknown"  # no completion criteria, or not enrolled in the LMS


@dataclass(frozen=True)
class CompletionStatus:
    course_idnumber: str
    user_idnumber: str
    state: CompletionState
    completed_at: int | None = None  # Unix seconds, when the LMS says
    # Moodle's per-criterion lines (type, title, status, complete, timecompleted), for the certificate.
    details: tuple[dict, ...] = ()


@dataclass(frozen=True)
class SiteInfo:
    sitename: str
    siteurl: str
    release: str
    version: str
    username: str
    functions: tuple[str, ...] = ()


@dataclass
class KnownIds:
    """LMS ids we already know, by our idnumbers; backends read the LMS for the rest."""

    categories: dict[str, int] = field(default_factory=dict)
    courses: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)


class LmsBackend(abc.ABC):
    """One LMS. Operations take many specs at once; backends batch the calls."""

    name: str = ""

    def __init__(self, known: KnownIds | None = None) -> None:
        self.known = known or KnownIds()

    @abc.abstractmethod
    def ensure_categories(self, specs: list[CategorySpec], *, dry_run: bool = False) -> list[ItemResult]:
        """Find each category by idnumber and create the missing ones, parents first (names are not updated)."""

    @abc.abstractmethod
    def ensure_courses(self, specs: list[CourseSpec], *, dry_run: bool = False) -> list[ItemResult]:
        """Find each course by idnumber, create the missing ones, update those that differ. Never delete."""

    @abc.abstractmethod
    def ensure_users(self, specs: list[UserSpec], *, dry_run: bool = False) -> list[ItemResult]:
        """Find users by idnumber then by email, create the missing ones, push name and email changes."""

    @abc.abstractmethod
    def enrol(self, specs: list[EnrolmentSpec], *, dry_run: bool = False, force: bool = False) -> list[ItemResult]:
        """Enrol each user as a student with the spec's dates (idempotent).

        Without ``force``, users already enrolled are left alone (a reconcile writes only
        differences); with it they are enrolled again, which updates their dates.
        """

    @abc.abstractmethod
    def unenrol(self, specs: list[EnrolmentSpec], *, dry_run: bool = False) -> list[ItemResult]:
        """Remove each enrolment (a no-op when the user is not enrolled)."""

    @abc.abstractmethod
    def ensure_cohorts(self, specs: list[CohortSpec], *, dry_run: bool = False) -> list[ItemResult]:
        """Create missing cohorts and add missing members."""

    @abc.abstractmethod
    def ensure_groups(self, specs: list[GroupSpec], *, dry_run: bool = False) -> list[ItemResult]:
        """Create missing groups in their course and add missing members."""

    @abc.abstractmethod
    def completion(self, pairs: list[tuple[str, str]]) -> list[CompletionStatus]:
        """Completion of each (course idnumber, user idnumber), in the order given."""

    @abc.abstractmethod
    def site_info(self) -> SiteInfo:
        """Who and where we are talking to, and the functions the token may call."""

    def course_url(self, moodle_id: int) -> str:
        return ""

    @property
    def calls(self) -> int:
        """Web-service calls made so far (for the benchmark and the reconcile summary)."""
        return 0
