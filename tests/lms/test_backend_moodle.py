"""The Moodle backend against the fake Moodle: categories, courses, completion, site info, whole-call errors."""

import pytest

from lms.backends.base import CompletionState, KnownIds, Outcome
from lms.moodle.errors import ConfigurationError, ItemError, TransientError
from tests.fakes.moodle import FakeMoodle
from tests.lms.moodle_backend_setup import (
    END,
    START,
    category_spec,
    course_spec,
    functions_called,
    moodle_backend,
    params_of,
    writes,
)


@pytest.fixture
def fake():
    return FakeMoodle()


@pytest.fixture
def backend(fake):
    return moodle_backend(fake)


def outcomes(results):
    return {result.key: result.outcome for result in results}


# --- categories --------------------------------------------------------------------------------


def test_categories_are_created_parents_first(fake, backend):
    specs = [category_spec("ALLYS-DL", "Deep learning", parent="ALLYS"), category_spec("ALLYS", "ALLyS Formation")]

    results = backend.ensure_categories(specs)

    assert outcomes(results) == {"ALLYS-DL": Outcome.CREATED, "ALLYS": Outcome.CREATED}
    root = next(c for c in fake.categories.values() if c["idnumber"] == "ALLYS")
    child = next(c for c in fake.categories.values() if c["idnumber"] == "ALLYS-DL")
    assert (root["name"], root["parent"]) == ("ALLyS Formation", 0)
    assert (child["name"], child["parent"]) == ("Deep learning", root["id"])
    assert [r.moodle_id for r in results] == [child["id"], root["id"]]
    assert backend.known.categories == {"ALLYS": root["id"], "ALLYS-DL": child["id"]}


def test_existing_categories_are_unchanged_and_a_second_run_writes_nothing(fake, backend):
    existing = fake.add_category("Already there", idnumber="ALLYS")
    specs = [category_spec("ALLYS"), category_spec("ALLYS-DL", "Deep learning", parent="ALLYS")]
    backend.ensure_categories(specs)
    before = len(fake.calls)

    results = backend.ensure_categories(specs)

    assert outcomes(results) == {"ALLYS": Outcome.UNCHANGED, "ALLYS-DL": Outcome.UNCHANGED}
    assert results[0].moodle_id == existing["id"]
    assert functions_called(fake, before) == ["core_course_get_categories"]


def test_category_dry_run_reports_what_it_would_create(fake, backend):
    specs = [category_spec("ALLYS"), category_spec("ALLYS-DL", "Deep learning", parent="ALLYS")]

    results = backend.ensure_categories(specs, dry_run=True)

    assert outcomes(results) == {"ALLYS": Outcome.CREATED, "ALLYS-DL": Outcome.CREATED}
    assert writes(fake) == []
    assert [c["idnumber"] for c in fake.categories.values()] == [""]


def test_a_category_whose_parent_is_nowhere_fails(fake, backend):
    results = backend.ensure_categories([category_spec("ALLYS-DL", "Deep learning", parent="NOPE")])

    assert results[0].outcome == Outcome.FAILED
    assert results[0].error.errorcode == "invalidrecord"
    assert "NOPE" in results[0].error.message
    assert writes(fake) == []


# --- courses -----------------------------------------------------------------------------------


@pytest.fixture
def category(fake):
    return fake.add_category("ALLyS Formation", idnumber="ALLYS")


def test_a_new_course_gets_every_field_we_own(fake, backend, category):
    results = backend.ensure_courses([course_spec("IAF-DL-2028-01", visible=False)])

    course = fake.course_by_idnumber("IAF-DL-2028-01")
    assert results[0].outcome == Outcome.CREATED
    assert results[0].moodle_id == course["id"] == backend.known.courses["IAF-DL-2028-01"]
    assert {name: course[name] for name in ("shortname", "categoryid", "fullname", "summary", "summaryformat")} == {
        "shortname": "IAF-DL-2028-01",
        "categoryid": category["id"],
        "fullname": "Deep learning (IAF-DL-2028-01)",
        "summary": "<p>Neural networks for engineers.</p>",
        "summaryformat": 1,
    }
    assert (course["startdate"], course["enddate"], course["visible"], course["lang"]) == (START, END, 0, "fr")
    assert (course["enablecompletion"], course["format"]) == (1, "topics")


def test_a_second_run_reads_once_and_writes_nothing(fake, backend, category):
    specs = [course_spec(f"IAF-DL-2028-{n:02d}") for n in range(1, 6)]
    backend.ensure_courses(specs)
    before = len(fake.calls)

    results = backend.ensure_courses(specs)

    assert set(outcomes(results).values()) == {Outcome.UNCHANGED}
    assert functions_called(fake, before) == ["core_course_get_courses_by_field"]
    assert params_of(fake, "core_course_get_courses_by_field")[-1]["field"] == "ids"


def test_courses_not_known_yet_are_found_by_reading_their_category_once(fake, category):
    specs = [course_spec(f"IAF-DL-2028-{n:02d}") for n in range(1, 6)]
    moodle_backend(fake).ensure_courses(specs)
    fresh = moodle_backend(fake)  # knows no ids
    before = len(fake.calls)

    results = fresh.ensure_courses(specs)

    assert set(outcomes(results).values()) == {Outcome.UNCHANGED}
    assert writes(fake, before) == []
    assert [params["field"] for params in params_of(fake, "core_course_get_courses_by_field")[-1:]] == ["category"]
    assert len(fresh.known.courses) == 5


def test_only_the_fields_that_differ_are_sent(fake, backend, category):
    backend.ensure_courses([course_spec("IAF-DL-2028-01"), course_spec("IAF-DL-2028-02")])

    results = backend.ensure_courses(
        [course_spec("IAF-DL-2028-01", fullname="Deep learning, 2nd run", visible=False), course_spec("IAF-DL-2028-02")]
    )

    assert outcomes(results) == {"IAF-DL-2028-01": Outcome.UPDATED, "IAF-DL-2028-02": Outcome.UNCHANGED}
    (update,) = params_of(fake, "core_course_update_courses")
    course = fake.course_by_idnumber("IAF-DL-2028-01")
    assert update == {"courses": [{"id": str(course["id"]), "fullname": "Deep learning, 2nd run", "visible": "0"}]}
    assert (course["fullname"], course["visible"]) == ("Deep learning, 2nd run", 0)


def test_a_course_moodle_refuses_to_update_fails_alone(fake, backend, category):
    backend.ensure_courses([course_spec("IAF-DL-2028-01"), course_spec("IAF-DL-2028-02")])

    results = backend.ensure_courses(
        [course_spec("IAF-DL-2028-01", enddate=START - 1), course_spec("IAF-DL-2028-02", fullname="Renamed")]
    )

    assert outcomes(results) == {"IAF-DL-2028-01": Outcome.FAILED, "IAF-DL-2028-02": Outcome.UPDATED}
    assert results[0].error.errorcode == "enddatebeforestartdate"
    assert results[0].moodle_id == fake.course_by_idnumber("IAF-DL-2028-01")["id"]
    assert fake.course_by_idnumber("IAF-DL-2028-02")["fullname"] == "Renamed"


def test_a_bad_course_is_isolated_and_the_others_are_created(fake, backend, category):
    specs = [course_spec(f"IAF-DL-2028-{n:02d}") for n in range(1, 11)]
    specs[6] = course_spec("IAF-DL-2028-07", enddate=START - 1)

    results = backend.ensure_courses(specs)

    failed = [r for r in results if r.outcome == Outcome.FAILED]
    assert [(r.key, r.error.errorcode) for r in failed] == [("IAF-DL-2028-07", "enddatebeforestartdate")]
    assert sorted(c["shortname"] for c in fake.courses.values()) == [s.idnumber for s in specs if s is not specs[6]]
    # 10 -> 5 -> 3 -> 2 -> 1: never one call per course.
    assert len(params_of(fake, "core_course_create_courses")) <= 9


def test_many_courses_are_created_in_few_calls(fake, backend, category):
    specs = [course_spec(f"IAF-DL-2028-{n:03d}") for n in range(300)]

    results = backend.ensure_courses(specs)

    assert set(outcomes(results).values()) == {Outcome.CREATED}
    assert len(fake.courses) == 300
    calls = params_of(fake, "core_course_create_courses")
    assert 1 < len(calls) <= 6
    assert sum(len(call["courses"]) for call in calls) == 300


def test_a_course_moved_to_another_category_is_found_and_moved_back(fake, backend, category):
    other = fake.add_category("Elsewhere", idnumber="OTHER")
    moved = fake.add_course("IAF-DL-2028-01", idnumber="IAF-DL-2028-01", categoryid=other["id"], fullname="Moved")

    results = backend.ensure_courses([course_spec("IAF-DL-2028-01")])

    assert results[0].outcome == Outcome.UPDATED
    assert results[0].moodle_id == moved["id"]
    assert len(fake.courses) == 1
    assert fake.courses[moved["id"]]["categoryid"] == category["id"]


def test_a_course_whose_category_does_not_exist_fails(fake, backend, category):
    results = backend.ensure_courses([course_spec("IAF-DL-2028-01", category="NOPE"), course_spec("IAF-DL-2028-02")])

    assert outcomes(results) == {"IAF-DL-2028-01": Outcome.FAILED, "IAF-DL-2028-02": Outcome.CREATED}
    assert results[0].error.errorcode == "invalidrecord"
    assert fake.course_by_idnumber("IAF-DL-2028-01") is None


def test_course_dry_run_writes_nothing(fake, backend, category):
    backend.ensure_courses([course_spec("IAF-DL-2028-01")])
    before = len(fake.calls)

    results = backend.ensure_courses(
        [course_spec("IAF-DL-2028-01", fullname="Renamed"), course_spec("IAF-DL-2028-02")], dry_run=True
    )

    assert outcomes(results) == {"IAF-DL-2028-01": Outcome.UPDATED, "IAF-DL-2028-02": Outcome.CREATED}
    assert writes(fake, before) == []


def test_known_ids_of_deleted_courses_are_forgotten_and_the_course_created_again(fake, category):
    backend = moodle_backend(fake, KnownIds(courses={"IAF-DL-2028-01": 999}))

    results = backend.ensure_courses([course_spec("IAF-DL-2028-01")])

    assert results[0].outcome == Outcome.CREATED
    assert backend.known.courses["IAF-DL-2028-01"] == fake.course_by_idnumber("IAF-DL-2028-01")["id"] != 999


# --- errors about the whole call ------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["5xx", "down", "timeout", "html"])
def test_transient_errors_are_raised(fake, backend, category, mode):
    fake.fail(mode)

    with pytest.raises(TransientError):
        backend.ensure_courses([course_spec()])


@pytest.mark.parametrize("mode", ["invalidtoken", "403", "redirect"])
def test_configuration_errors_are_raised(fake, backend, category, mode):
    fake.fail(mode)

    with pytest.raises(ConfigurationError):
        backend.ensure_courses([course_spec()])


def test_a_write_that_failed_is_retried_without_duplicating(fake, backend, category):
    fake.fail("timeout", times=1, functions={"core_course_create_courses"})
    with pytest.raises(TransientError):
        backend.ensure_courses([course_spec("IAF-DL-2028-01")])

    results = backend.ensure_courses([course_spec("IAF-DL-2028-01")])
    again = backend.ensure_courses([course_spec("IAF-DL-2028-01")])

    assert [results[0].outcome, again[0].outcome] == [Outcome.CREATED, Outcome.UNCHANGED]
    assert len(fake.courses) == 1


# --- completion --------------------------------------------------------------------------------


@pytest.fixture
def enrolled(fake, category):
    """Two courses with completion criteria or not, and a learner enrolled in both."""
    tracked = fake.add_course("IAF-DL-2028-01", idnumber="IAF-DL-2028-01", categoryid=category["id"])
    untracked = fake.add_course("IAF-DL-2028-02", idnumber="IAF-DL-2028-02", categoryid=category["id"])
    fake.set_completion_criteria(tracked["id"])
    learner = fake.add_user("camille", idnumber="u-1")
    fake.add_user("dominique", idnumber="u-2")
    fake.enrol(tracked["id"], learner["id"])
    fake.enrol(untracked["id"], learner["id"])
    return tracked, learner


def test_a_completed_course_gives_its_completion_time_and_criteria(fake, backend, enrolled):
    course, learner = enrolled
    fake.complete(course["id"], learner["id"], timecompleted=START + 3600)

    (status,) = backend.completion([("IAF-DL-2028-01", "u-1")])

    assert status.state == CompletionState.COMPLETED
    assert status.completed_at == START + 3600
    assert [(d["title"], d["complete"]) for d in status.details] == [("Self completion", True)]


def test_a_course_in_progress(fake, backend, enrolled):
    (status,) = backend.completion([("IAF-DL-2028-01", "u-1")])

    assert (status.state, status.completed_at) == (CompletionState.IN_PROGRESS, None)
    assert status.details[0]["complete"] is False


def test_completion_moodle_cannot_tell_is_unknown_in_the_order_asked(fake, backend, enrolled):
    pairs = [("IAF-DL-2028-02", "u-1"), ("IAF-DL-2028-01", "u-2"), ("NOPE", "u-1"), ("IAF-DL-2028-01", "nobody")]

    statuses = backend.completion(pairs)

    assert [(s.course_idnumber, s.user_idnumber) for s in statuses] == pairs
    assert {s.state for s in statuses} == {CompletionState.UNKNOWN}
    # No criteria, not enrolled: asked; course or learner missing in Moodle: not asked.
    assert len(params_of(fake, "core_completion_get_course_completion_status")) == 2


def test_other_completion_errors_are_raised(fake, backend, enrolled):
    course, _learner = enrolled
    fake.courses[course["id"]] = fake.courses[course["id"]] | {"enablecompletion": 0}

    with pytest.raises(ItemError) as error:
        backend.completion([("IAF-DL-2028-01", "u-1")])
    assert error.value.errorcode == "cannotviewreport"


# --- site, urls, call counting --------------------------------------------------------------------


def test_site_info_lists_the_functions_the_token_may_call():
    fake = FakeMoodle(functions={"core_webservice_get_site_info", "enrol_manual_enrol_users"})

    info = moodle_backend(fake).site_info()

    assert info.functions == ("core_webservice_get_site_info", "enrol_manual_enrol_users")
    assert (info.siteurl, info.username) == ("http://moodle.test", "wsuser")
    assert info.release.startswith("4.5")


def test_course_url_and_calls(fake, settings):
    settings.MOODLE_URL = "https://moodle.example.org/"
    backend = moodle_backend(fake)

    backend.site_info()
    backend.site_info()

    assert backend.course_url(42) == "https://moodle.example.org/course/view.php?id=42"
    assert backend.calls == 2
    assert backend.name == "moodle"
