"""An LMS in memory, for the offline demo and the tests that do not need the fake Moodle.

It accepts everything, keeps what it was told for the life of the process,
and answers completion as "unknown" unless a test marks it completed.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

from lms.backends.base import (
    CategorySpec,
    CohortSpec,
    CompletionState,
    CompletionStatus,
    CourseSpec,
    EnrolmentSpec,
    GroupSpec,
    ItemResult,
    LmsBackend,
    Outcome,
    SiteInfo,
    UserSpec,
)


@dataclass
class DummyState:
    ids: itertools.count = field(default_factory=lambda: itertools.count(2))
    objects: dict[tuple[str, str], tuple[int, object]] = field(default_factory=dict)
    enrolled: set[str] = field(default_factory=set)
    completed: dict[tuple[str, str], int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


STATE = DummyState()


def reset() -> None:
    """Forget everything (tests)."""
    with STATE.lock:
        STATE.ids = itertools.count(2)
        STATE.objects.clear()
        STATE.enrolled.clear()
        STATE.completed.clear()


def mark_completed(course_idnumber: str, user_idnumber: str, when: int) -> None:
    STATE.completed[(course_idnumber, user_idnumber)] = when


class DummyBackend(LmsBackend):
    name = "dummy"

    def _ensure(self, kind: str, specs, dry_run: bool) -> list[ItemResult]:
        results = []
        with STATE.lock:
            for spec in specs:
                current = STATE.objects.get((kind, spec.key))
                if current and current[1] == spec:
                    results.append(ItemResult(spec.key, Outcome.UNCHANGED, current[0]))
                    continue
                moodle_id = current[0] if current else next(STATE.ids)
                if not dry_run:
                    STATE.objects[(kind, spec.key)] = (moodle_id, spec)
                results.append(ItemResult(spec.key, Outcome.UPDATED if current else Outcome.CREATED, moodle_id))
        return results

    def ensure_categories(self, specs: list[CategorySpec], *, dry_run: bool = False) -> list[ItemResult]:
        return self._ensure("category", specs, dry_run)

    def ensure_courses(self, specs: list[CourseSpec], *, dry_run: bool = False) -> list[ItemResult]:
        return self._ensure("course", specs, dry_run)

    def ensure_users(self, specs: list[UserSpec], *, dry_run: bool = False) -> list[ItemResult]:
        return self._ensure("user", specs, dry_run)

    def ensure_cohorts(self, specs: list[CohortSpec], *, dry_run: bool = False) -> list[ItemResult]:
        return self._ensure("cohort", specs, dry_run)

    def ensure_groups(self, specs: list[GroupSpec], *, dry_run: bool = False) -> list[ItemResult]:
        return self._ensure("group", specs, dry_run)

    def _set(self, specs: list[EnrolmentSpec], active: bool, dry_run: bool) -> list[ItemResult]:
        results = []
        with STATE.lock:
            for spec in specs:
                present = spec.key in STATE.enrolled
                if present == active:
                    results.append(ItemResult(spec.key, Outcome.UNCHANGED))
                    continue
                if not dry_run:
                    (STATE.enrolled.add if active else STATE.enrolled.discard)(spec.key)
                results.append(ItemResult(spec.key, Outcome.CREATED if active else Outcome.UPDATED))
        return results

    def enrol(self, specs: list[EnrolmentSpec], *, dry_run: bool = False, force: bool = False) -> list[ItemResult]:
        return self._set(specs, True, dry_run)

    def unenrol(self, specs: list[EnrolmentSpec], *, dry_run: bool = False) -> list[ItemResult]:
        return self._set(specs, False, dry_run)

    def completion(self, pairs: list[tuple[str, str]]) -> list[CompletionStatus]:
        statuses = []
        for course, user in pairs:
            when = STATE.completed.get((course, user))
            state = CompletionState.COMPLETED if when else CompletionState.UNKNOWN
            statuses.append(CompletionStatus(course, user, state, completed_at=when))
        return statuses

    def site_info(self) -> SiteInfo:
        return SiteInfo(sitename="Dummy LMS", siteurl="", release="dummy", version="0", username="allys")
