"""Categories and courses in Moodle: read in bulk, create what is missing, update only what differs.

Creating a course gets slower as the site grows (Moodle re-sorts courses each time),
so a course is created once and then only updated, field by field, when ours changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from lms.backends.base import CategorySpec, CourseSpec, ItemResult, Outcome
from lms.backends.moodle_batches import failed, not_found, unique, update_with_warnings, write_batches
from lms.backends.moodle_reads import all_categories, category_ids, course_by_idnumber, courses_by_field, known_courses

if TYPE_CHECKING:
    from lms.backends.moodle import MoodleBackend


CREATE_CATEGORIES = "core_course_create_categories"
CREATE_COURSES = "core_course_create_courses"
UPDATE_COURSES = "core_course_update_courses"

COURSE_FORMAT = "topics"
FORMAT_HTML = 1
# Errorcodes of a course creation refused because the course exists already (found since our read).
COURSE_TAKEN = frozenset({"shortnametaken", "courseidnumbertaken"})


def ensure_categories(backend: MoodleBackend, specs: list[CategorySpec], *, dry_run: bool) -> list[ItemResult]:
    """Find categories by idnumber (one call lists them all), create the missing ones, parents first.

    Moodle's web services cannot rename a category without ``core_course_update_categories``,
    which the service does not include: an existing category is reported UNCHANGED.
    """
    specs = unique(specs)
    if not specs:
        return []
    existing = all_categories(backend.client, backend.known)
    ids = {idnumber: category["id"] for idnumber, category in existing.items()}
    results = {
        spec.key: ItemResult(spec.key, Outcome.UNCHANGED, ids[spec.idnumber]) for spec in specs if spec.idnumber in ids
    }
    pending = [spec for spec in specs if spec.idnumber not in ids]
    planned: set[str] = set()  # created by a dry run
    while pending:
        parents = ids.keys() | planned | {""}  # "" = top level
        ready = [spec for spec in pending if spec.parent_idnumber in parents]
        if not ready:
            break
        pending = [spec for spec in pending if spec not in ready]
        if dry_run:
            planned.update(spec.idnumber for spec in ready)
            results.update({spec.key: ItemResult(spec.key, Outcome.CREATED) for spec in ready})
            continue
        by_idnumber = {spec.idnumber: spec for spec in ready}
        written = write_batches(
            backend.client, CREATE_CATEGORIES, [_category_fields(spec, ids) for spec in ready], list_key="categories"
        )
        for batch, answer in written.done:
            for item, created in zip(batch, answer or [], strict=False):
                ids[item["idnumber"]] = backend.known.categories[item["idnumber"]] = created["id"]
                results[item["idnumber"]] = ItemResult(item["idnumber"], Outcome.CREATED, created["id"])
        for item, error in written.failed:
            results[item["idnumber"]] = failed(by_idnumber[item["idnumber"]].key, error)
    for spec in pending:
        message = _("The parent category %(parent)s of category %(category)s does not exist in Moodle.") % {
            "parent": spec.parent_idnumber,
            "category": spec.idnumber,
        }
        results[spec.key] = not_found(spec.key, message, CREATE_CATEGORIES)
    return [results[spec.key] for spec in specs]


def _category_fields(spec: CategorySpec, ids: dict[str, int]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": spec.name,
        "parent": ids[spec.parent_idnumber] if spec.parent_idnumber else 0,
        "idnumber": spec.idnumber,
    }
    if spec.description:
        fields.update(description=spec.description, descriptionformat=FORMAT_HTML)
    return fields


def ensure_courses(backend: MoodleBackend, specs: list[CourseSpec], *, dry_run: bool) -> list[ItemResult]:
    """Find courses in bulk, create the missing ones, and update only the fields that differ."""
    specs = unique(specs)
    if not specs:
        return []
    client, known = backend.client, backend.known
    categories = category_ids(client, known, {spec.category_idnumber for spec in specs})
    existing = _read_courses(backend, specs, categories)
    results: dict[str, ItemResult] = {}

    missing = [spec for spec in specs if spec.key not in existing]
    creatable = [spec for spec in missing if spec.category_idnumber in categories]
    for spec in missing:
        if spec.category_idnumber not in categories:
            message = _("The category %(category)s of course %(course)s does not exist in Moodle.") % {
                "category": spec.category_idnumber,
                "course": spec.idnumber,
            }
            results[spec.key] = not_found(spec.key, message, CREATE_COURSES)
    if dry_run:
        results.update({spec.key: ItemResult(spec.key, Outcome.CREATED) for spec in creatable})
    elif creatable:
        results.update(_create_courses(backend, creatable, categories, existing))

    changes: dict[str, dict[str, Any]] = {}
    for spec in specs:
        course = existing.get(spec.key)
        if course is None:
            continue
        wanted = _course_fields(spec, categories.get(spec.category_idnumber))
        changes[spec.key] = {name: value for name, value in wanted.items() if not _same(course.get(name), value)}
        outcome = Outcome.UPDATED if changes[spec.key] else Outcome.UNCHANGED
        results[spec.key] = ItemResult(spec.key, outcome, course["id"])
    if not dry_run:
        update_with_warnings(backend.client, UPDATE_COURSES, "courses", existing, changes, results)
    return [results[spec.key] for spec in specs]


def _read_courses(backend: MoodleBackend, specs: list[CourseSpec], categories: dict[str, int]) -> dict[str, dict]:
    """Our courses in Moodle, by idnumber: known ids in one call, the others one call per category."""
    client, known = backend.client, backend.known
    found = known_courses(client, known, [spec.idnumber for spec in specs])
    by_category: dict[int, list[CourseSpec]] = {}
    for spec in specs:
        if spec.key in found:
            continue
        if spec.category_idnumber in categories:
            by_category.setdefault(categories[spec.category_idnumber], []).append(spec)
        else:
            course = course_by_idnumber(client, spec.idnumber)
            if course is not None:
                found[spec.key] = course
    for category_id, group in sorted(by_category.items()):
        in_category = {course.get("idnumber"): course for course in courses_by_field(client, "category", category_id)}
        found.update({spec.key: in_category[spec.idnumber] for spec in group if spec.idnumber in in_category})
    known.courses.update({idnumber: course["id"] for idnumber, course in found.items()})
    return found


def _course_fields(spec: CourseSpec, category_id: int | None) -> dict[str, Any]:
    """The fields we own on a Moodle course, as Moodle returns them."""
    fields: dict[str, Any] = {
        "fullname": spec.fullname,
        "summary": spec.summary,
        "summaryformat": FORMAT_HTML,
        "startdate": spec.startdate,
        "enddate": spec.enddate,
        "visible": int(spec.visible),
        "lang": spec.lang,
        "enablecompletion": 1,
    }
    if category_id is not None:
        fields["categoryid"] = category_id
    return fields


def _same(current: Any, wanted: Any) -> bool:
    """Moodle's value equals ours; empty optional fields may be left out, integers may come as text."""
    if isinstance(wanted, str):
        return (current or "") == wanted
    try:
        return int(current) == wanted
    except (TypeError, ValueError):
        return False


def _create_courses(
    backend: MoodleBackend, specs: list[CourseSpec], categories: dict[str, int], existing: dict[str, dict]
) -> dict[str, ItemResult]:
    """Create the courses; one refused because it exists already (created since we read) joins ``existing``."""
    client, known = backend.client, backend.known
    items = [
        {
            "shortname": spec.shortname,
            "idnumber": spec.idnumber,
            "format": COURSE_FORMAT,
            **_course_fields(spec, categories[spec.category_idnumber]),
        }
        for spec in specs
    ]
    written = write_batches(client, CREATE_COURSES, items, list_key="courses")
    results: dict[str, ItemResult] = {}
    for batch, answer in written.done:
        ids = {created["shortname"]: created["id"] for created in answer or []}
        for item in batch:
            known.courses[item["idnumber"]] = ids[item["shortname"]]
            results[item["idnumber"]] = ItemResult(item["idnumber"], Outcome.CREATED, ids[item["shortname"]])
    for item, error in written.failed:
        course = course_by_idnumber(client, item["idnumber"]) if error.errorcode in COURSE_TAKEN else None
        if course is not None:
            known.courses[item["idnumber"]] = course["id"]
            existing[item["idnumber"]] = course
        else:
            results[item["idnumber"]] = failed(item["idnumber"], error)
    return results
