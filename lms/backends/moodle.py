"""The Moodle backend: translates the LMS seam into Moodle 4.5 REST web-service calls.

Every operation reads Moodle first, in bulk, and writes only the differences, in
batches as large as the form-field limit allows. Moodle's all-or-nothing batches are
split on an item error until the bad item stands alone (``moodle_batches``), so one
refused learner never holds back the others. The work is spread over helper modules:
``moodle_reads`` (lookups), ``moodle_courses``, ``moodle_users``, ``moodle_enrolments``
and ``moodle_groups`` (cohorts and groups).
"""

from __future__ import annotations

from django.conf import settings

from lms.backends import moodle_courses, moodle_enrolments, moodle_groups, moodle_users
from lms.backends.base import (
    CategorySpec,
    CohortSpec,
    CompletionState,
    CompletionStatus,
    CourseSpec,
    EnrolmentSpec,
    GroupSpec,
    ItemResult,
    KnownIds,
    LmsBackend,
    SiteInfo,
    UserSpec,
)
from lms.backends.moodle_reads import find_courses, user_ids
from lms.moodle.client import MoodleClient
from lms.moodle.errors import ItemError

COMPLETION_STATUS = "core_completion_get_course_completion_status"
# Completion Moodle cannot give: the course has no completion criteria, or the learner is not enrolled.
COMPLETION_UNKNOWN = frozenset({"nocriteriaset", "usernotenroled"})


class MoodleBackend(LmsBackend):
    """Moodle through its REST web services, with one token (``MOODLE_URL``, ``MOODLE_TOKEN``)."""

    name = "moodle"

    def __init__(
        self,
        client: MoodleClient | None = None,
        known: KnownIds | None = None,
        *,
        student_role_id: int | None = None,
        user_auth: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(known)
        self.client = client if client is not None else MoodleClient.from_settings()
        self.student_role_id = (
            student_role_id if student_role_id is not None else getattr(settings, "MOODLE_STUDENT_ROLE_ID", 5)
        )
        self.user_auth = user_auth or getattr(settings, "MOODLE_USER_AUTH", "") or "manual"
        self.url = (url or getattr(settings, "MOODLE_URL", "") or self.client.url).rstrip("/")

    @property
    def calls(self) -> int:
        return self.client.calls

    def course_url(self, moodle_id: int) -> str:
        return f"{self.url}/course/view.php?id={moodle_id}"

    def ensure_categories(self, specs: list[CategorySpec], *, dry_run: bool = False) -> list[ItemResult]:
        return moodle_courses.ensure_categories(self, specs, dry_run=dry_run)

    def ensure_courses(self, specs: list[CourseSpec], *, dry_run: bool = False) -> list[ItemResult]:
        return moodle_courses.ensure_courses(self, specs, dry_run=dry_run)

    def ensure_users(self, specs: list[UserSpec], *, dry_run: bool = False) -> list[ItemResult]:
        return moodle_users.ensure_users(self, specs, dry_run=dry_run)

    def enrol(self, specs: list[EnrolmentSpec], *, dry_run: bool = False, force: bool = False) -> list[ItemResult]:
        """Enrol the ``active`` specs as students; a spec with ``active=False`` is unenrolled."""
        return moodle_enrolments.sync_enrolments(self, specs, remove_all=False, dry_run=dry_run, force=force)

    def unenrol(self, specs: list[EnrolmentSpec], *, dry_run: bool = False) -> list[ItemResult]:
        return moodle_enrolments.sync_enrolments(self, specs, remove_all=True, dry_run=dry_run)

    def ensure_cohorts(self, specs: list[CohortSpec], *, dry_run: bool = False) -> list[ItemResult]:
        return moodle_groups.ensure_cohorts(self, specs, dry_run=dry_run)

    def ensure_groups(self, specs: list[GroupSpec], *, dry_run: bool = False) -> list[ItemResult]:
        return moodle_groups.ensure_groups(self, specs, dry_run=dry_run)

    def completion(self, pairs: list[tuple[str, str]]) -> list[CompletionStatus]:
        """One call per pair Moodle knows; a course or learner Moodle does not have is UNKNOWN.

        An item error other than "no criteria" or "not enrolled" is raised: it says
        something is wrong with the course or the token's rights, not with the learner.
        """
        courses = find_courses(self.client, self.known, {course for course, _user in pairs})
        users = user_ids(self.client, self.known, {user for _course, user in pairs})
        statuses = []
        for course_idnumber, user_idnumber in pairs:
            status = CompletionStatus(course_idnumber, user_idnumber, CompletionState.UNKNOWN)
            if course_idnumber in courses and user_idnumber in users:
                status = self._completion(course_idnumber, courses[course_idnumber]["id"], user_idnumber, users)
            statuses.append(status)
        return statuses

    def _completion(self, course_idnumber: str, course_id: int, user_idnumber: str, users: dict) -> CompletionStatus:
        try:
            answer = self.client.call(COMPLETION_STATUS, courseid=course_id, userid=users[user_idnumber])
        except ItemError as error:
            if error.errorcode in COMPLETION_UNKNOWN:
                return CompletionStatus(course_idnumber, user_idnumber, CompletionState.UNKNOWN)
            raise
        status = (answer or {}).get("completionstatus") or {}
        completions = tuple(status.get("completions") or ())
        if not status.get("completed"):
            return CompletionStatus(course_idnumber, user_idnumber, CompletionState.IN_PROGRESS, details=completions)
        times = [c["timecompleted"] for c in completions if c.get("timecompleted")]
        return CompletionStatus(
            course_idnumber,
            user_idnumber,
            CompletionState.COMPLETED,
            completed_at=max(times) if times else None,
            details=completions,
        )

    def site_info(self) -> SiteInfo:
        info = self.client.call("core_webservice_get_site_info") or {}
        return SiteInfo(
            sitename=info.get("sitename", ""),
            siteurl=info.get("siteurl", ""),
            release=info.get("release", ""),
            version=str(info.get("version", "")),
            username=info.get("username", ""),
            functions=tuple(function["name"] for function in info.get("functions") or []),
        )
