"""The Moodle backend's organisations: system cohorts and course groups, with their members."""

import pytest

from lms.backends.base import CohortSpec, GroupSpec, Outcome
from tests.fakes.moodle import FakeMoodle
from tests.lms.moodle_backend_setup import functions_called, moodle_backend, params_of, writes

CODE = "IAF-DL-2028-01"


@pytest.fixture
def fake():
    return FakeMoodle()


@pytest.fixture
def backend(fake):
    return moodle_backend(fake)


@pytest.fixture
def learners(fake):
    return [fake.add_user(f"learner{n}", idnumber=f"u-{n}") for n in range(4)]


def members_of_cohort(fake, idnumber):
    cohort_id = next(c["id"] for c in fake.cohorts.values() if c["idnumber"] == idnumber)
    return {userid for cohortid, userid in fake.cohort_members if cohortid == cohort_id}


# --- cohorts -----------------------------------------------------------------------------------


def test_a_new_cohort_is_created_with_its_members(fake, backend, learners):
    results = backend.ensure_cohorts([CohortSpec("ORG-ACME", "Acme", members=("u-0", "u-1"))])

    (cohort,) = fake.cohorts.values()
    assert (results[0].outcome, results[0].moodle_id) == (Outcome.CREATED, cohort["id"])
    assert (cohort["idnumber"], cohort["name"], cohort["contextid"]) == ("ORG-ACME", "Acme", 1)
    assert members_of_cohort(fake, "ORG-ACME") == {learners[0]["id"], learners[1]["id"]}
    member = params_of(fake, "core_cohort_add_cohort_members")[0]["members"][0]
    assert member["usertype"]["type"] == "id"


def test_a_second_run_adds_nobody_and_reports_unchanged(fake, backend, learners):
    specs = [CohortSpec("ORG-ACME", "Acme", members=("u-0", "u-1")), CohortSpec("ORG-BETA", "Beta")]
    backend.ensure_cohorts(specs)
    before = len(fake.calls)

    results = backend.ensure_cohorts(specs)

    assert [r.outcome for r in results] == [Outcome.UNCHANGED, Outcome.UNCHANGED]
    # Members cannot be read through the service: they are sent again, and Moodle says "already a member".
    assert writes(fake, before) == ["core_cohort_add_cohort_members"]
    assert len(fake.cohorts) == 2


def test_a_new_member_makes_the_cohort_updated(fake, backend, learners):
    backend.ensure_cohorts([CohortSpec("ORG-ACME", "Acme", members=("u-0",))])

    results = backend.ensure_cohorts([CohortSpec("ORG-ACME", "Acme", members=("u-0", "u-2"))])

    assert results[0].outcome == Outcome.UPDATED
    assert members_of_cohort(fake, "ORG-ACME") == {learners[0]["id"], learners[2]["id"]}


def test_a_member_missing_in_moodle_fails_the_cohort_but_the_others_are_added(fake, backend, learners):
    results = backend.ensure_cohorts([CohortSpec("ORG-ACME", "Acme", members=("u-0", "ghost", "u-1"))])

    assert results[0].outcome == Outcome.FAILED
    assert results[0].error.errorcode == "invalidrecord"
    assert "ghost" in results[0].error.message
    assert results[0].moodle_id is not None
    assert members_of_cohort(fake, "ORG-ACME") == {learners[0]["id"], learners[1]["id"]}


def test_cohort_dry_run_writes_nothing(fake, backend, learners):
    results = backend.ensure_cohorts([CohortSpec("ORG-ACME", "Acme", members=("u-0",))], dry_run=True)

    assert results[0].outcome == Outcome.CREATED
    assert writes(fake) == []


# --- groups ------------------------------------------------------------------------------------


@pytest.fixture
def course(fake, learners):
    course = fake.add_course(CODE, idnumber=CODE)
    for learner in learners[:3]:
        fake.enrol(course["id"], learner["id"])
    return course


def members_of_group(fake, group_id):
    return {userid for groupid, userid in fake.group_members if groupid == group_id}


def test_a_new_group_is_created_with_its_members(fake, backend, course, learners):
    results = backend.ensure_groups([GroupSpec(CODE, "ORG-ACME", "Acme", members=("u-0", "u-1"))])

    (group,) = fake.groups.values()
    assert results[0].key == f"{CODE}/ORG-ACME"
    assert (results[0].outcome, results[0].moodle_id) == (Outcome.CREATED, group["id"])
    assert (group["courseid"], group["idnumber"], group["name"]) == (course["id"], "ORG-ACME", "Acme")
    assert members_of_group(fake, group["id"]) == {learners[0]["id"], learners[1]["id"]}


def test_a_second_group_run_writes_nothing(fake, backend, course, learners):
    specs = [GroupSpec(CODE, "ORG-ACME", "Acme", members=("u-0", "u-1")), GroupSpec(CODE, "ORG-BETA", "Beta")]
    backend.ensure_groups(specs)
    before = len(fake.calls)

    results = backend.ensure_groups(specs)

    assert [r.outcome for r in results] == [Outcome.UNCHANGED, Outcome.UNCHANGED]
    assert writes(fake, before) == []
    assert "core_group_get_course_groups" in functions_called(fake, before)


def test_only_missing_members_are_added(fake, backend, course, learners):
    backend.ensure_groups([GroupSpec(CODE, "ORG-ACME", "Acme", members=("u-0",))])

    results = backend.ensure_groups([GroupSpec(CODE, "ORG-ACME", "Acme", members=("u-0", "u-2"))])

    assert results[0].outcome == Outcome.UPDATED
    group_id = results[0].moodle_id
    assert params_of(fake, "core_group_add_group_members")[-1] == {
        "members": [{"groupid": str(group_id), "userid": str(learners[2]["id"])}]
    }
    assert members_of_group(fake, group_id) == {learners[0]["id"], learners[2]["id"]}


def test_a_member_not_enrolled_fails_the_group_but_the_others_are_added(fake, backend, course, learners):
    results = backend.ensure_groups([GroupSpec(CODE, "ORG-ACME", "Acme", members=("u-0", "u-3"))])

    assert results[0].outcome == Outcome.FAILED
    assert results[0].error.errorcode == "usernotenroled"
    assert "u-3" in results[0].error.message
    assert members_of_group(fake, results[0].moodle_id) == {learners[0]["id"]}


def test_a_group_made_by_hand_with_the_same_name_is_adopted(fake, backend, course, learners):
    fake.invoke("core_group_create_groups", {"groups": [{"courseid": course["id"], "name": "Acme", "description": ""}]})

    results = backend.ensure_groups([GroupSpec(CODE, "ORG-ACME", "Acme")])

    assert results[0].outcome == Outcome.UNCHANGED
    assert len(fake.groups) == 1
    assert writes(fake) == []


def test_a_group_in_a_missing_course_fails(fake, backend, course, learners):
    results = backend.ensure_groups([GroupSpec("NOPE", "ORG-ACME", "Acme"), GroupSpec(CODE, "ORG-ACME", "Acme")])

    assert [r.outcome for r in results] == [Outcome.FAILED, Outcome.CREATED]
    assert results[0].error.errorcode == "invalidrecord"


def test_group_dry_run_writes_nothing(fake, backend, course, learners):
    backend.ensure_groups([GroupSpec(CODE, "ORG-ACME", "Acme", members=("u-0",))])
    before = len(fake.calls)

    results = backend.ensure_groups(
        [GroupSpec(CODE, "ORG-ACME", "Acme", members=("u-0", "u-1")), GroupSpec(CODE, "ORG-BETA", "Beta")],
        dry_run=True,
    )

    assert [r.outcome for r in results] == [Outcome.UPDATED, Outcome.CREATED]
    assert writes(fake, before) == []
