"""Organisations in Moodle: a system cohort each, and a group in each course their learners follow.

Members are only ever added, never removed. Moodle has no function in our service to
list a cohort's members, so members are sent every time and "already a member" warnings
(code "3") count as nothing to do. A group's members are known from the course's
enrolled users (each carries its ``groups``), so only the missing ones are sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from lms.backends.base import CohortSpec, GroupSpec, ItemResult, Outcome
from lms.backends.moodle_batches import failed, not_found, unique, write_batches
from lms.backends.moodle_reads import RAW, enrolled_users, find_courses, user_ids
from lms.moodle.client import warnings_of
from lms.moodle.errors import ItemError

if TYPE_CHECKING:
    from lms.backends.moodle import MoodleBackend

SEARCH_COHORTS = "core_cohort_search_cohorts"
CREATE_COHORTS = "core_cohort_create_cohorts"
ADD_COHORT_MEMBERS = "core_cohort_add_cohort_members"
GET_COURSE_GROUPS = "core_group_get_course_groups"
CREATE_GROUPS = "core_group_create_groups"
ADD_GROUP_MEMBERS = "core_group_add_group_members"
ALREADY_MEMBER = "3"
SYSTEM_CONTEXT = {"contextlevel": "system", "instanceid": 0}


def ensure_cohorts(backend: MoodleBackend, specs: list[CohortSpec], *, dry_run: bool) -> list[ItemResult]:
    specs = unique(specs)
    if not specs:
        return []
    client = backend.client
    cohorts = _system_cohorts(backend)
    existing = {spec.key: cohorts[spec.idnumber] for spec in specs if spec.idnumber in cohorts}
    results = {key: ItemResult(key, Outcome.UNCHANGED, cohort["id"]) for key, cohort in existing.items()}
    missing = [spec for spec in specs if spec.key not in existing]
    if dry_run:
        # Cohort members cannot be read through our service: an existing cohort is reported as it is.
        results.update({spec.key: ItemResult(spec.key, Outcome.CREATED) for spec in missing})
        return [results[spec.key] for spec in specs]

    items = [
        {"categorytype": {"type": "system", "value": ""}, "name": spec.name, "idnumber": spec.idnumber, "visible": 1}
        for spec in missing
    ]
    written = write_batches(client, CREATE_COHORTS, items, list_key="cohorts")
    for _batch, answer in written.done:
        for cohort in answer or []:
            existing[cohort["idnumber"]] = cohort
            results[cohort["idnumber"]] = ItemResult(cohort["idnumber"], Outcome.CREATED, cohort["id"])
    for item, error in written.failed:
        results[item["idnumber"]] = failed(item["idnumber"], error)

    members = {member for spec in specs if spec.key in existing for member in spec.members}
    users = user_ids(client, backend.known, members)
    for spec in specs:
        if spec.key in existing:
            results[spec.key] = _add_cohort_members(backend, spec, existing[spec.key]["id"], users, results[spec.key])
    return [results[spec.key] for spec in specs]


def _system_cohorts(backend: MoodleBackend) -> dict[str, dict]:
    """Every system cohort that has an idnumber, in one call (an empty query and ``limitnum=0`` list them all)."""
    answer = backend.client.call(SEARCH_COHORTS, query="", context=SYSTEM_CONTEXT, includes="self", limitnum=0)
    return {cohort["idnumber"]: cohort for cohort in (answer or {}).get("cohorts") or [] if cohort.get("idnumber")}


def _add_cohort_members(
    backend: MoodleBackend, spec: CohortSpec, cohort_id: int, users: dict[str, int], result: ItemResult
) -> ItemResult:
    """Send every member; the cohort is UPDATED when Moodle added anyone, FAILED when it refused anyone."""
    items = [
        {"cohorttype": {"type": "idnumber", "value": spec.idnumber}, "usertype": {"type": "id", "value": users[m]}}
        for m in dict.fromkeys(spec.members)
        if m in users
    ]
    written = write_batches(backend.client, ADD_COHORT_MEMBERS, items, list_key="members")
    added, refused = 0, [error for _item, error in written.failed]
    for batch, answer in written.done:
        warnings = warnings_of(answer)
        added += len(batch) - len(warnings)
        refused += [
            ItemError(w.message, errorcode=w.warningcode, function=ADD_COHORT_MEMBERS)
            for w in warnings
            if w.warningcode != ALREADY_MEMBER
        ]
    absent = [member for member in spec.members if member not in users]
    if absent:
        message = _("Users not found in Moodle: %s.") % ", ".join(absent)
        return failed(spec.key, ItemError(message, errorcode="invalidrecord", function=ADD_COHORT_MEMBERS), cohort_id)
    if refused:
        return failed(spec.key, refused[0], cohort_id)
    if added and result.outcome == Outcome.UNCHANGED:
        return ItemResult(spec.key, Outcome.UPDATED, cohort_id)
    return result


def ensure_groups(backend: MoodleBackend, specs: list[GroupSpec], *, dry_run: bool) -> list[ItemResult]:
    specs = unique(specs)
    if not specs:
        return []
    client = backend.client
    courses = find_courses(client, backend.known, {spec.course_idnumber for spec in specs})
    results: dict[str, ItemResult] = {}
    for spec in specs:
        if spec.course_idnumber not in courses:
            message = _("Course %s does not exist in Moodle.") % spec.course_idnumber
            results[spec.key] = not_found(spec.key, message, CREATE_GROUPS)
    course_ids = sorted({courses[spec.course_idnumber]["id"] for spec in specs if spec.key not in results})
    course_groups = {cid: client.call(GET_COURSE_GROUPS, courseid=cid, **RAW) or [] for cid in course_ids}

    existing: dict[str, dict] = {}
    for spec in specs:
        if spec.key in results:
            continue
        groups = course_groups[courses[spec.course_idnumber]["id"]]
        # A group of the same name without an idnumber is ours too: Moodle would refuse a second one.
        group = next((g for g in groups if g.get("idnumber") == spec.idnumber), None) or next(
            (g for g in groups if g.get("name") == spec.name and not g.get("idnumber")), None
        )
        if group is not None:
            existing[spec.key] = group
            results[spec.key] = ItemResult(spec.key, Outcome.UNCHANGED, group["id"])
    missing = [spec for spec in specs if spec.key not in results]
    if dry_run:
        results.update({spec.key: ItemResult(spec.key, Outcome.CREATED) for spec in missing})
    else:
        _create_groups(backend, missing, courses, existing, results)
    _add_group_members(backend, specs, courses, existing, results, dry_run=dry_run)
    return [results[spec.key] for spec in specs]


def _create_groups(
    backend: MoodleBackend,
    specs: list[GroupSpec],
    courses: dict[str, dict],
    existing: dict[str, dict],
    results: dict[str, ItemResult],
) -> None:
    items = [
        {
            "courseid": courses[spec.course_idnumber]["id"],
            "name": spec.name,
            "description": "",  # required, even empty
            "idnumber": spec.idnumber,
        }
        for spec in specs
    ]
    key_of = {(item["courseid"], item["idnumber"]): spec.key for item, spec in zip(items, specs, strict=True)}
    written = write_batches(backend.client, CREATE_GROUPS, items, list_key="groups")
    for batch, answer in written.done:
        for item, group in zip(batch, answer or [], strict=False):
            key = key_of[(item["courseid"], item["idnumber"])]
            existing[key] = group
            results[key] = ItemResult(key, Outcome.CREATED, group["id"])
    for item, error in written.failed:
        key = key_of[(item["courseid"], item["idnumber"])]
        results[key] = failed(key, error)


def _add_group_members(
    backend: MoodleBackend,
    specs: list[GroupSpec],
    courses: dict[str, dict],
    existing: dict[str, dict],
    results: dict[str, ItemResult],
    *,
    dry_run: bool,
) -> None:
    """Add the members each group lacks; members must be enrolled in the course first."""
    client = backend.client
    with_members = [spec for spec in specs if spec.members and spec.key in existing]
    users = user_ids(client, backend.known, {member for spec in with_members for member in spec.members})
    present = {
        course_id: enrolled_users(client, course_id)
        for course_id in sorted({courses[spec.course_idnumber]["id"] for spec in with_members})
    }
    items: list[dict] = []
    key_of: dict[tuple[int, int], str] = {}
    for spec in with_members:
        group_id = existing[spec.key]["id"]
        enrolled = present[courses[spec.course_idnumber]["id"]]
        absent = [member for member in dict.fromkeys(spec.members) if users.get(member) not in enrolled]
        for member in dict.fromkeys(spec.members):
            user = enrolled.get(users.get(member))
            if user is not None and not any(group.get("id") == group_id for group in user.get("groups") or []):
                items.append({"groupid": group_id, "userid": user["id"]})
                key_of[(group_id, user["id"])] = spec.key
                if results[spec.key].outcome == Outcome.UNCHANGED:
                    results[spec.key] = ItemResult(spec.key, Outcome.UPDATED, group_id)
        if absent:
            message = _("Users not enrolled in course %(course)s in Moodle: %(users)s.") % {
                "course": spec.course_idnumber,
                "users": ", ".join(absent),
            }
            error = ItemError(message, errorcode="usernotenroled", function=ADD_GROUP_MEMBERS)
            results[spec.key] = failed(spec.key, error, group_id)
    if dry_run or not items:
        return
    written = write_batches(client, ADD_GROUP_MEMBERS, items, list_key="members")
    for item, error in written.failed:
        key = key_of[(item["groupid"], item["userid"])]
        results[key] = failed(key, error, item["groupid"])
