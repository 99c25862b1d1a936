"""Reads from Moodle, in bulk where Moodle allows it, keeping the backend's ``KnownIds`` up to date."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from lms.backends.moodle_batches import write_isolating
from lms.moodle.client import MoodleClient

if TYPE_CHECKING:
    from lms.backends.base import KnownIds

logger = logging.getLogger("lms.moodle")

GET_USERS = "core_user_get_users_by_field"
GET_ENROLLED_USERS = "core_enrol_get_enrolled_users"
# What we need of each enrolled user: big courses make big answers.
ENROLLED_USER_FIELDS = "id,roles,groups"
# Ask for texts as stored, not formatted for display (format_string() turns "R&D" into "R&amp;D"),
# so that comparing them with ours does not find a difference at every run.
RAW = {"moodlewssettingraw": 1}


def all_categories(client: MoodleClient, known: KnownIds) -> dict[str, dict]:
    """Every category that has an idnumber, by idnumber, in one call."""
    categories = client.call("core_course_get_categories") or []
    found = {category["idnumber"]: category for category in categories if category.get("idnumber")}
    known.categories.update({idnumber: category["id"] for idnumber, category in found.items()})
    return found


def category_ids(client: MoodleClient, known: KnownIds, idnumbers: Iterable[str]) -> dict[str, int]:
    """Moodle ids of the categories we know or Moodle has; one call when any is not known yet."""
    wanted = set(idnumbers)
    if wanted - set(known.categories):
        all_categories(client, known)
    return {idnumber: known.categories[idnumber] for idnumber in wanted if idnumber in known.categories}


def courses_by_field(client: MoodleClient, field: str, value: Any) -> list[dict]:
    answer = client.call("core_course_get_courses_by_field", field=field, value=value, **RAW)
    return (answer or {}).get("courses") or []


def courses_by_ids(client: MoodleClient, ids: Iterable[int]) -> dict[int, dict]:
    """The courses with these ids (the missing ones left out), in one call."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {course["id"]: course for course in courses_by_field(client, "ids", ",".join(map(str, ids)))}


def course_by_idnumber(client: MoodleClient, idnumber: str) -> dict | None:
    for course in courses_by_field(client, "idnumber", idnumber):
        if course.get("idnumber") == idnumber:
            return course
    return None


def known_courses(client: MoodleClient, known: KnownIds, idnumbers: Iterable[str]) -> dict[str, dict]:
    """The courses whose id we know, read in one call; ids Moodle no longer has are forgotten."""
    ids = {idnumber: known.courses[idnumber] for idnumber in set(idnumbers) if idnumber in known.courses}
    by_id = courses_by_ids(client, ids.values())
    found = {}
    for idnumber, course_id in ids.items():
        if course_id in by_id:
            found[idnumber] = by_id[course_id]
        else:
            del known.courses[idnumber]
    return found


def find_courses(client: MoodleClient, known: KnownIds, idnumbers: Iterable[str]) -> dict[str, dict]:
    """Courses by idnumber: the known ones in one call, then one call per course not known yet."""
    idnumbers = set(idnumbers)
    found = known_courses(client, known, idnumbers)
    for idnumber in sorted(idnumbers - set(found)):
        course = course_by_idnumber(client, idnumber)
        if course is not None:
            found[idnumber] = course
            known.courses[idnumber] = course["id"]
    return found


def users_by_field(client: MoodleClient, field: str, values: Iterable[str | int]) -> list[dict]:
    """Users whose ``field`` is one of ``values`` (exact match), in as few calls as the form-field limit allows.

    Moodle refuses the whole call when one value is malformed (an invalid email): the batch
    is split until that value stands alone, and it finds nobody.
    """
    items = [{"value": value} for value in dict.fromkeys(values)]
    users: list[dict] = []
    common = {"field": field, **RAW}
    for batch in client.chunks(items, list_key="values", common=common):
        read = write_isolating(
            batch, lambda part: client.call(GET_USERS, **common, values=[item["value"] for item in part])
        )
        for item, error in read.failed:
            logger.info("Moodle %s refused %s %r: %s", GET_USERS, field, item["value"], error)
        users.extend(user for _part, answer in read.done for user in answer or [])
    return users


def find_users(client: MoodleClient, known: KnownIds, idnumbers: Iterable[str]) -> dict[str, dict]:
    """Users by idnumber (the missing ones left out)."""
    wanted = set(idnumbers)
    found = {user["idnumber"]: user for user in users_by_field(client, "idnumber", sorted(wanted))}
    found = {idnumber: user for idnumber, user in found.items() if idnumber in wanted}
    known.users.update({idnumber: user["id"] for idnumber, user in found.items()})
    return found


def user_ids(client: MoodleClient, known: KnownIds, idnumbers: Iterable[str]) -> dict[str, int]:
    """Moodle ids of these users: the known ones as they are, the others read in bulk."""
    wanted = set(idnumbers)
    missing = wanted - set(known.users)
    if missing:
        find_users(client, known, missing)
    return {idnumber: known.users[idnumber] for idnumber in wanted if idnumber in known.users}


def enrolled_users(client: MoodleClient, course_id: int) -> dict[int, dict]:
    """Everyone enrolled in the course (suspended ones included), by user id, with their ``roles``."""
    options = [{"name": "userfields", "value": ENROLLED_USER_FIELDS}]
    users = client.call(GET_ENROLLED_USERS, courseid=course_id, options=options) or []
    return {user["id"]: user for user in users}


def has_role(user: dict | None, role_id: int) -> bool:
    return user is not None and any(role.get("roleid") == role_id for role in user.get("roles") or [])
