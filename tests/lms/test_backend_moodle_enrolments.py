"""The Moodle backend's manual enrolments: only the differences are written, in few calls."""

import pytest
from django.utils import translation

from lms.backends.base import KnownIds, Outcome
from lms.moodle.errors import ConfigurationError, TransientError
from tests.fakes.moodle import FakeMoodle
from tests.lms.moodle_backend_setup import (
    END,
    START,
    enrolment_spec,
    functions_called,
    moodle_backend,
    params_of,
    writes,
)

ENROL = "enrol_manual_enrol_users"
UNENROL = "enrol_manual_unenrol_users"
CODE = "IAF-DL-2028-01"


@pytest.fixture
def fake():
    return FakeMoodle()


@pytest.fixture
def backend(fake):
    return moodle_backend(fake)


@pytest.fixture
def course(fake):
    return fake.add_course(CODE, idnumber=CODE)


@pytest.fixture
def learners(fake):
    return [fake.add_user(f"learner{n}", idnumber=f"u-{n}") for n in range(4)]


def outcomes(results):
    return {result.key: result.outcome for result in results}


def test_learners_are_enrolled_as_students_with_the_spec_dates(fake, backend, course, learners):
    specs = [enrolment_spec(f"u-{n}", CODE, timestart=START, timeend=END) for n in range(4)]

    results = backend.enrol(specs)

    assert set(outcomes(results).values()) == {Outcome.CREATED}
    assert {r.moodle_id for r in results} == {course["id"]}
    for learner in learners:
        enrolment = fake.enrolments[(course["id"], learner["id"])]
        assert (enrolment["roleid"], enrolment["timestart"], enrolment["timeend"]) == (5, START, END)
    assert len(params_of(fake, ENROL)) == 1


def test_a_second_run_writes_nothing(fake, backend, course, learners):
    specs = [enrolment_spec(f"u-{n}", CODE) for n in range(4)]
    backend.enrol(specs)
    before = len(fake.calls)

    results = backend.enrol(specs)

    assert set(outcomes(results).values()) == {Outcome.UNCHANGED}
    assert writes(fake, before) == []
    assert functions_called(fake, before) == ["core_course_get_courses_by_field", "core_enrol_get_enrolled_users"]


def test_the_configured_role_is_used_and_another_role_is_replaced(fake, course, learners):
    fake.enrol(course["id"], learners[0]["id"], roleid=4)
    backend = moodle_backend(fake, student_role_id=3)

    results = backend.enrol([enrolment_spec("u-0", CODE), enrolment_spec("u-1", CODE)])

    assert outcomes(results) == {"u-0@" + CODE: Outcome.UPDATED, "u-1@" + CODE: Outcome.CREATED}
    assert {fake.enrolments[(course["id"], learner["id"])]["roleid"] for learner in learners[:2]} == {3}


def test_a_thousand_enrolments_go_in_a_few_calls(fake, backend, course):
    for n in range(1000):
        fake.add_user(f"learner{n}", idnumber=f"u-{n}")

    results = backend.enrol([enrolment_spec(f"u-{n}", CODE, timestart=START, timeend=END) for n in range(1000)])

    assert set(outcomes(results).values()) == {Outcome.CREATED}
    assert sum(1 for key in fake.enrolments if key[0] == course["id"]) == 1000
    assert len(params_of(fake, ENROL)) <= 7
    assert len(fake.calls) <= 12


def test_a_bad_enrolment_is_isolated_and_the_others_are_saved(fake, course, learners):
    # Our books say u-2 is Moodle user 999, who no longer exists.
    backend = moodle_backend(fake, KnownIds(users={"u-2": 999}))

    results = backend.enrol([enrolment_spec(f"u-{n}", CODE) for n in range(4)])

    assert [(r.key, r.outcome) for r in results if not r.ok] == [("u-2@" + CODE, Outcome.FAILED)]
    assert results[2].error.errorcode == "invalidrecord"
    enrolled = {userid for (courseid, userid) in fake.enrolments if courseid == course["id"]}
    assert enrolled == {learners[n]["id"] for n in (0, 1, 3)}


def test_message_not_sent_after_saving_counts_as_done(fake, backend, course, learners):
    fake.fail("message_not_sent", times=1)

    results = backend.enrol([enrolment_spec(f"u-{n}", CODE) for n in range(4)])

    assert set(outcomes(results).values()) == {Outcome.CREATED}
    assert len(params_of(fake, ENROL)) == 1  # not sent again
    assert {userid for (_courseid, userid) in fake.enrolments} == {learner["id"] for learner in learners}


def test_a_course_without_manual_enrolment_fails_clearly_without_trying(fake, backend, course, learners):
    fake.disable_manual_enrol(course["id"])

    with translation.override("en"):
        results = backend.enrol([enrolment_spec("u-0", CODE)])

    assert results[0].outcome == Outcome.FAILED
    assert results[0].error.errorcode == "wsnoinstance"
    assert "manual enrolment" in results[0].error.message
    assert params_of(fake, ENROL) == []


def test_a_missing_course_or_learner_fails_and_the_others_go_through(fake, backend, course, learners):
    specs = [enrolment_spec("u-0", "NOPE"), enrolment_spec("nobody", CODE), enrolment_spec("u-1", CODE)]

    results = backend.enrol(specs)

    assert [r.outcome for r in results] == [Outcome.FAILED, Outcome.FAILED, Outcome.CREATED]
    assert [r.error.errorcode for r in results[:2]] == ["invalidrecord", "invalidrecord"]
    assert "NOPE" in results[0].error.message
    assert "nobody" in results[1].error.message
    assert list(fake.enrolments) == [(course["id"], learners[1]["id"])]


def test_unenrol_removes_only_those_enrolled(fake, backend, course, learners):
    fake.enrol(course["id"], learners[0]["id"])

    results = backend.unenrol([enrolment_spec("u-0", CODE), enrolment_spec("u-1", CODE)])

    assert outcomes(results) == {"u-0@" + CODE: Outcome.UPDATED, "u-1@" + CODE: Outcome.UNCHANGED}
    assert fake.enrolments == {}
    (call,) = params_of(fake, UNENROL)
    assert call == {"enrolments": [{"userid": str(learners[0]["id"]), "courseid": str(course["id"])}]}


def test_unenrolling_nobody_enrolled_writes_nothing(fake, backend, course, learners):
    results = backend.unenrol([enrolment_spec("u-0", CODE)])

    assert results[0].outcome == Outcome.UNCHANGED
    assert writes(fake) == []


def test_enrol_brings_each_spec_to_its_state(fake, backend, course, learners):
    fake.enrol(course["id"], learners[0]["id"])

    results = backend.enrol([enrolment_spec("u-0", CODE, active=False), enrolment_spec("u-1", CODE)])

    assert [r.outcome for r in results] == [Outcome.UPDATED, Outcome.CREATED]
    assert list(fake.enrolments) == [(course["id"], learners[1]["id"])]


def test_enrolment_dry_run_writes_nothing(fake, backend, course, learners):
    fake.enrol(course["id"], learners[0]["id"])
    fake.enrol(course["id"], learners[1]["id"])

    results = backend.enrol(
        [enrolment_spec("u-0", CODE), enrolment_spec("u-1", CODE, active=False), enrolment_spec("u-2", CODE)],
        dry_run=True,
    )

    assert [r.outcome for r in results] == [Outcome.UNCHANGED, Outcome.UPDATED, Outcome.CREATED]
    assert writes(fake) == []


def test_a_timeout_while_enrolling_is_raised(fake, backend, course, learners):
    fake.fail("timeout", functions={ENROL})

    with pytest.raises(TransientError):
        backend.enrol([enrolment_spec("u-0", CODE)])


def test_a_token_refused_while_enrolling_is_raised(fake, backend, course, learners):
    fake.fail("invalidtoken", functions={ENROL})

    with pytest.raises(ConfigurationError):
        backend.enrol([enrolment_spec(f"u-{n}", CODE) for n in range(4)])
    assert len(params_of(fake, ENROL)) == 1  # not split
