"""Manual enrolments in Moodle: read who is enrolled, then enrol or unenrol only the differences.

``core_enrol_get_enrolled_users`` gives each enrolled user's roles, not the enrolment's
dates: a learner already enrolled as a student is left as is (UNCHANGED) unless the
caller forces a write (the outbox does, when a row's dates changed). Moodle may report
"Message was not sent." after saving an enrolment (it could not email the learner): the
course is read again and the saved items count as done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from lms.backends.base import EnrolmentSpec, ItemResult, Outcome
from lms.backends.moodle_batches import failed, is_message_not_sent, not_found, unique, write_batches
from lms.backends.moodle_reads import enrolled_users, find_courses, has_role, user_ids
from lms.moodle.errors import ItemError

if TYPE_CHECKING:
    from lms.backends.moodle import MoodleBackend

ENROL = "enrol_manual_enrol_users"
UNENROL = "enrol_manual_unenrol_users"
MANUAL = "manual"


@dataclass
class _Plan:
    """What to write: payload items, and for each (user id, course id) the spec key and its outcome."""

    enrol: list[dict]
    unenrol: list[dict]
    keys: dict[tuple[int, int], tuple[str, Outcome]]


def sync_enrolments(
    backend: MoodleBackend, specs: list[EnrolmentSpec], *, remove_all: bool, dry_run: bool, force: bool = False
) -> list[ItemResult]:
    """Bring each enrolment to its spec: ``active`` ones enrolled as students, the others removed.

    With ``remove_all``, every spec is removed whatever its ``active``. With ``force``, learners
    already enrolled are enrolled again, which updates their dates (Moodle does not return them).
    """
    specs = unique(specs)
    if not specs:
        return []
    client, known = backend.client, backend.known
    courses = find_courses(client, known, {spec.course_idnumber for spec in specs})
    users = user_ids(client, known, {spec.user_idnumber for spec in specs})
    results: dict[str, ItemResult] = {}
    for spec in specs:
        if spec.course_idnumber not in courses:
            message = _("Course %s does not exist in Moodle.") % spec.course_idnumber
            results[spec.key] = not_found(spec.key, message, ENROL)
        elif spec.user_idnumber not in users:
            message = _("User %s does not exist in Moodle.") % spec.user_idnumber
            results[spec.key] = not_found(spec.key, message, ENROL)
    course_ids = sorted({courses[spec.course_idnumber]["id"] for spec in specs if spec.key not in results})
    present = {course_id: enrolled_users(client, course_id) for course_id in course_ids}

    plan = _Plan(enrol=[], unenrol=[], keys={})
    for spec in specs:
        if spec.key in results:
            continue
        course, user_id = courses[spec.course_idnumber], users[spec.user_idnumber]
        enrolled = present[course["id"]].get(user_id)
        wanted = spec.active and not remove_all
        if (wanted and not force and has_role(enrolled, backend.student_role_id)) or (not wanted and enrolled is None):
            results[spec.key] = ItemResult(spec.key, Outcome.UNCHANGED, course["id"])
            continue
        # Unenrolling works from a disabled instance too: only enrolling needs the check.
        if wanted and not _has_manual_enrolment(course):
            message = (
                _(
                    "Course %s has no enabled manual enrolment method in Moodle: add one in the course's "
                    "Participants > Enrolment methods."
                )
                % spec.course_idnumber
            )
            error = ItemError(message, errorcode="wsnoinstance", function=ENROL)
            results[spec.key] = failed(spec.key, error, course["id"])
            continue
        outcome = Outcome.CREATED if wanted and enrolled is None else Outcome.UPDATED
        plan.keys[(user_id, course["id"])] = (spec.key, outcome)
        if wanted:
            item = {"roleid": backend.student_role_id, "userid": user_id, "courseid": course["id"]}
            plan.enrol.append(item | {"timestart": spec.timestart, "timeend": spec.timeend})
        else:
            plan.unenrol.append({"userid": user_id, "courseid": course["id"]})

    if dry_run:
        results.update({key: ItemResult(key, outcome, cid) for (_uid, cid), (key, outcome) in plan.keys.items()})
    else:
        _write(backend, plan, results)
    return [results[spec.key] for spec in specs]


def _has_manual_enrolment(course: dict) -> bool:
    methods = course.get("enrollmentmethods")
    # Moodle lists the enabled methods; without the list, let Moodle decide.
    return not isinstance(methods, list) or MANUAL in methods


def _write(backend: MoodleBackend, plan: _Plan, results: dict[str, ItemResult]) -> None:
    for function, items, wanted in ((ENROL, plan.enrol, True), (UNENROL, plan.unenrol, False)):
        if not items:
            continue
        written = write_batches(
            backend.client, function, items, list_key="enrolments", recover=_recover(backend, wanted=wanted)
        )
        for item in written.saved:
            key, outcome = plan.keys[(item["userid"], item["courseid"])]
            results[key] = ItemResult(key, outcome, item["courseid"])
        for item, error in written.failed:
            key, _outcome = plan.keys[(item["userid"], item["courseid"])]
            results[key] = failed(key, error, item["courseid"])


def _recover(backend: MoodleBackend, *, wanted: bool):
    """After "Message was not sent.", the batch's items Moodle has not saved (the others are done)."""

    def pending(batch: list[dict], error: ItemError) -> list[dict]:
        if not is_message_not_sent(error):
            return batch
        present = {course_id: enrolled_users(backend.client, course_id) for course_id in {i["courseid"] for i in batch}}

        def saved(item: dict) -> bool:
            user = present[item["courseid"]].get(item["userid"])
            return has_role(user, backend.student_role_id) if wanted else user is None

        return [item for item in batch if not saved(item)]

    return pending
