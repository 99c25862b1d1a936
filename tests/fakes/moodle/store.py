"""The fake site's state, the registry of web-service functions, and what they share.

Handlers receive a ``Store`` and their validated parameters. Write handlers get a copy of
the state; the server commits it only when the handler returns, so a batch that raises
part-way leaves nothing behind, as Moodle's delegated transactions do. Handlers never
change a record in place: they put a new dict (``{**old, **changes}``), which is why a
shallow copy of each container is a safe snapshot. Ids are not given back on rollback
(database sequences are not transactional either).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import missing_record
from .params import Single

SYSTEM_CONTEXT_ID = 1
SITE_COURSE_ID = 1
ROLES = {1: "manager", 3: "editingteacher", 4: "teacher", 5: "student"}
ASSIGNABLE_ROLES = {3, 4, 5}
STUDENT_ROLE = 5

CONTAINERS = (
    "categories",
    "courses",
    "users",
    "enrolments",
    "cohorts",
    "cohort_members",
    "groups",
    "group_members",
    "manual_enrol",
    "completion_criteria",
    "completions",
)


@dataclass
class Site:
    wwwroot: str
    release: str
    version: str
    functions: set[str]
    next_ids: dict[str, int] = field(default_factory=dict)


@dataclass
class Store:
    site: Site
    categories: dict[int, dict]
    courses: dict[int, dict]
    users: dict[int, dict]
    enrolments: dict[tuple[int, int], dict]
    cohorts: dict[int, dict]
    cohort_members: set[tuple[int, int]]
    groups: dict[int, dict]
    group_members: set[tuple[int, int]]
    manual_enrol: dict[int, bool]  # courseid -> is the manual enrolment instance enabled
    completion_criteria: set[int]  # courses with completion criteria
    completions: dict[tuple[int, int], int]  # (courseid, userid) -> timecompleted

    @classmethod
    def view(cls, owner: Any, site: Site) -> Store:
        """The live containers of ``owner`` (the FakeMoodle), not copied."""
        return cls(site, **{name: getattr(owner, name) for name in CONTAINERS})

    def copy(self) -> Store:
        return type(self)(self.site, **{name: type(c)(c) for name, c in self._containers()})

    def commit_to(self, owner: Any) -> None:
        """Write this state back into ``owner``'s containers in place (references held by tests stay valid)."""
        for name, container in self._containers():
            live = getattr(owner, name)
            live.clear()
            live.update(container)

    def _containers(self):
        return ((name, getattr(self, name)) for name in CONTAINERS)

    def new_id(self, kind: str, container: dict) -> int:
        """The next id of ``kind``, past any id a test put in ``container`` itself."""
        next_id = self.site.next_ids.get(kind, {"user": 2, "course": 2, "category": 2}.get(kind, 1))
        while next_id in container:
            next_id += 1
        self.site.next_ids[kind] = next_id + 1
        return next_id

    # --- Lookups shared by several functions ---------------------------------------------------

    def course(self, courseid: int) -> dict:
        if courseid not in self.courses:
            raise missing_record("course")
        return self.courses[courseid]

    def user(self, userid: int) -> dict:
        if userid not in self.users:
            raise missing_record("user")
        return self.users[userid]

    def is_active(self, courseid: int, userid: int, now: int | None = None) -> bool:
        """Moodle's ``is_enrolled(..., onlyactive=true)``: active status, enabled instance, within the dates."""
        enrolment = self.enrolments.get((courseid, userid))
        if enrolment is None or enrolment["suspend"] or not self.manual_enrol.get(courseid, False):
            return False
        now = int(time.time()) if now is None else now
        return enrolment["timestart"] <= now and (not enrolment["timeend"] or enrolment["timeend"] > now)

    def user_details(self, user: dict) -> dict:
        """``user_get_user_details`` as an administrator sees it; empty optional fields are left out."""
        details = {
            "id": user["id"],
            "username": user["username"],
            "firstname": user["firstname"],
            "lastname": user["lastname"],
            "fullname": f"{user['firstname']} {user['lastname']}",
            "email": user["email"],
        }
        for name in ("idnumber", "institution", "department", "city", "country", "phone1", "phone2", "address"):
            if user.get(name):
                details[name] = user[name]
        details |= {
            "firstaccess": 0,
            "lastaccess": 0,
            "auth": user["auth"],
            "suspended": bool(user.get("suspended")),
            "confirmed": True,
            "lang": user["lang"],
            "theme": "",
            "timezone": user.get("timezone") or "99",
            "mailformat": 1,
        }
        if user.get("description"):
            details |= {"description": user["description"], "descriptionformat": 1}
        picture = f"{self.site.wwwroot}/theme/image.php/boost/core/1/u/"
        return details | {"profileimageurlsmall": picture + "f2", "profileimageurl": picture + "f1"}


@dataclass(frozen=True)
class Function:
    name: str
    parameters: Single
    handler: Callable[[Store, dict], Any]
    writes: bool


FUNCTIONS: dict[str, Function] = {}


def function(name: str, parameters: dict, *, writes: bool = False):
    """Register a web-service function: its parameter description and its handler."""

    def register(handler: Callable[[Store, dict], Any]) -> Callable[[Store, dict], Any]:
        FUNCTIONS[name] = Function(name, Single(parameters), handler, writes)
        return handler

    return register
