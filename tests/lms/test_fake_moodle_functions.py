"""The fake Moodle's functions keep state and fail as MOODLE.md says Moodle 4.5's do."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fakes.moodle import FakeMoodle
from tests.fakes.moodle.forms import ws_call as call

YEAR = 365 * 24 * 3600


@pytest.fixture
def moodle() -> FakeMoodle:
    return FakeMoodle()


@pytest.fixture
def client(moodle):
    with httpx.Client(transport=moodle.transport(), base_url=moodle.wwwroot) as client:
        yield client


def course(shortname: str, **extra: Any) -> dict:
    return {"fullname": shortname.upper(), "shortname": shortname, "categoryid": 1, **extra}


def user(username: str, **extra: Any) -> dict:
    return {"username": username, "firstname": "F", "lastname": "L", "email": f"{username}@example.org", **extra}


def enrolment(courseid: int, userid: int, roleid: int = 5, **extra: Any) -> dict:
    return {"roleid": roleid, "userid": userid, "courseid": courseid, **extra}


# --- Categories and courses -----------------------------------------------------------------------


def test_create_categories_is_all_or_nothing(moodle, client):
    moodle.add_category("Existing", idnumber="CAT-1")

    error = call(
        client, "core_course_create_categories", categories=[{"name": "New"}, {"name": "Dup", "idnumber": "CAT-1"}]
    )

    assert error["errorcode"] == "categoryidnumbertaken"
    assert sorted(c["name"] for c in moodle.categories.values()) == ["Category 1", "Existing"]


def test_get_categories_adds_subcategories_unless_told_not_to(client):
    (parent,) = call(client, "core_course_create_categories", categories=[{"name": "IA", "idnumber": "IA"}])
    call(client, "core_course_create_categories", categories=[{"name": "Frugal", "parent": parent["id"]}])
    criteria = [{"key": "idnumber", "value": "IA"}]

    with_children = call(client, "core_course_get_categories", criteria=criteria)
    alone = call(client, "core_course_get_categories", criteria=criteria, addsubcategories=0)

    assert [c["name"] for c in with_children] == ["IA", "Frugal"]
    assert [c["name"] for c in alone] == ["IA"]


@pytest.mark.parametrize(
    ("second", "errorcode"),
    [(course("dup"), "shortnametaken"), (course("other", idnumber="ID-1"), "courseidnumbertaken")],
)
def test_create_courses_is_all_or_nothing(moodle, client, second, errorcode):
    moodle.add_course("dup", idnumber="ID-1")

    error = call(client, "core_course_create_courses", courses=[course("fresh"), second])

    assert error["errorcode"] == errorcode
    assert [c["shortname"] for c in moodle.courses.values()] == ["dup"]


def test_create_courses_in_an_unknown_category_is_invalidrecord(client):
    error = call(client, "core_course_create_courses", courses=[course("lost", categoryid=99)])

    assert error["errorcode"] == "invalidrecord"


def test_a_new_course_ends_a_year_after_it_starts_and_takes_manual_enrolments(client):
    (created,) = call(client, "core_course_create_courses", courses=[course("new", startdate=1_800_000_000)])

    (found,) = call(client, "core_course_get_courses_by_field", field="id", value=created["id"])["courses"]
    assert (found["startdate"], found["enddate"]) == (1_800_000_000, 1_800_000_000 + YEAR)
    assert found["enrollmentmethods"] == ["manual"]


def test_courses_by_field_filters_and_never_returns_the_site_course(moodle, client):
    category = moodle.add_category("Other")
    first = moodle.add_course("first", idnumber="S-1")
    second = moodle.add_course("second", categoryid=category["id"])

    def shortnames(**arguments):
        return [c["shortname"] for c in call(client, "core_course_get_courses_by_field", **arguments)["courses"]]

    assert shortnames(field="category", value=category["id"]) == ["second"]
    assert shortnames(field="ids", value=f"1,{first['id']},{second['id']}") == ["first", "second"]
    assert shortnames(field="idnumber", value="S-1") == ["first"]
    assert shortnames() == ["first", "second"]


def test_update_courses_warns_per_item_and_updates_the_others(moodle, client):
    first, second = moodle.add_course("first"), moodle.add_course("second")

    answer = call(
        client,
        "core_course_update_courses",
        courses=[{"id": first["id"], "shortname": "second"}, {"id": second["id"], "fullname": "Renamed"}],
    )

    (warning,) = answer["warnings"]
    assert (warning["item"], warning["itemid"], warning["warningcode"]) == ("course", first["id"], "shortnametaken")
    assert moodle.courses[first["id"]]["shortname"] == "first"
    assert moodle.courses[second["id"]]["fullname"] == "Renamed"


# --- Users ----------------------------------------------------------------------------------------


def test_created_users_are_found_by_field_with_empty_fields_left_out(client):
    created = call(client, "core_user_create_users", users=[user("ann", createpassword=1)])

    (found,) = call(client, "core_user_get_users_by_field", field="id", values=[created[0]["id"]])
    assert created == [{"id": found["id"], "username": "ann"}]
    assert found["email"] == "ann@example.org"
    assert "idnumber" not in found


@pytest.mark.parametrize(
    ("second", "detail"),
    [
        (user("Bob", createpassword=1), "username"),
        (user("ann", email="other@example.org", createpassword=1), "Username already exists: ann"),
        (user("carl", email="ANN@example.org", createpassword=1), "Email address already exists: ANN@example.org"),
        (user("dora", idnumber="P-1", createpassword=1), "P-1"),
        (user("eve"), "you must provide a password, or set createpassword"),
    ],
)
def test_create_users_refuses_the_batch_with_invalidparameter(moodle, client, second, detail):
    moodle.add_user("ann", email="ann@example.org", idnumber="P-1")

    error = call(client, "core_user_create_users", users=[user("fred", createpassword=1), second])

    assert error["errorcode"] == "invalidparameter"
    assert detail in error["message"]
    assert [u["username"] for u in moodle.users.values()] == ["ann"]


def test_a_weak_password_gives_an_html_list_as_errorcode(client):
    error = call(client, "core_user_create_users", users=[user("weak", password="short")])

    assert error["errorcode"].startswith("<div>")
    assert "Passwords must be at least 8 characters long." in error["errorcode"]


def test_a_strong_password_is_accepted(client):
    created = call(client, "core_user_create_users", users=[user("strong", password="Str0ng-pass")])

    assert created[0]["username"] == "strong"


def test_email_lookup_is_exact_and_missing_users_are_left_out(moodle, client):
    moodle.add_user("ann", email="Ann.Martin@example.org")

    def found(email):
        return call(client, "core_user_get_users_by_field", field="email", values=[email, "nobody@example.org"])

    assert [u["username"] for u in found("Ann.Martin@example.org")] == ["ann"]
    assert found("ann.martin@example.org") == []


def test_update_users_warns_per_item(moodle, client):
    ann, bob = moodle.add_user("ann"), moodle.add_user("bob")

    answer = call(
        client,
        "core_user_update_users",
        users=[
            {"id": 99, "firstname": "X"},
            {"id": ann["id"], "email": "BOB@example.org"},
            {"id": bob["id"], "firstname": "Robert"},
        ],
    )

    assert [(w["itemid"], w["warningcode"]) for w in answer["warnings"]] == [
        (99, "invaliduserid"),
        (ann["id"], "useremailduplicate"),
    ]
    assert moodle.users[bob["id"]]["firstname"] == "Robert"


# --- Enrolments -----------------------------------------------------------------------------------


@pytest.fixture
def setup(moodle):
    """A course and two users."""
    return moodle.add_course("course")["id"], moodle.add_user("ann")["id"], moodle.add_user("bob")["id"]


def test_enrol_answers_null_and_the_user_is_listed_with_the_role(client, setup):
    courseid, ann, _ = setup
    response = client.post(
        "/webservice/rest/server.php",
        data={"wstoken": "fake-token", "wsfunction": "enrol_manual_enrol_users", "moodlewsrestformat": "json"}
        | {f"enrolments[0][{k}]": v for k, v in enrolment(courseid, ann).items()},
    )

    assert (response.status_code, response.text) == (200, "null")
    (listed,) = call(client, "core_enrol_get_enrolled_users", courseid=courseid)
    assert (listed["username"], listed["roles"][0]["roleid"], listed["roles"][0]["shortname"]) == ("ann", 5, "student")


def test_enrol_is_all_or_nothing(moodle, client, setup):
    courseid, ann, _ = setup

    error = call(client, "enrol_manual_enrol_users", enrolments=[enrolment(courseid, ann), enrolment(courseid, 99)])

    assert error["errorcode"] == "invalidrecord"
    assert moodle.enrolments == {}


def test_a_disabled_manual_instance_refuses_enrolments(moodle, client, setup):
    courseid, ann, _ = setup
    moodle.disable_manual_enrol(courseid)

    error = call(client, "enrol_manual_enrol_users", enrolments=[enrolment(courseid, ann)])

    assert error["errorcode"] == "wsnoinstance"
    (found,) = call(client, "core_course_get_courses_by_field", field="id", value=courseid)["courses"]
    assert "manual" not in found["enrollmentmethods"]


def test_a_role_that_cannot_be_assigned_is_refused(client, setup):
    courseid, ann, _ = setup

    error = call(client, "enrol_manual_enrol_users", enrolments=[enrolment(courseid, ann, roleid=1)])

    assert error["errorcode"] == "wsusercannotassign"


def test_re_enrolling_updates_the_dates(moodle, client, setup):
    courseid, ann, _ = setup
    call(client, "enrol_manual_enrol_users", enrolments=[enrolment(courseid, ann, timestart=100, timeend=200)])

    call(client, "enrol_manual_enrol_users", enrolments=[enrolment(courseid, ann, timestart=300, timeend=400)])

    assert moodle.enrolments[(courseid, ann)] == {"roleid": 5, "timestart": 300, "timeend": 400, "suspend": 0}


def test_unenrol_answers_null_also_when_not_enrolled(moodle, client, setup):
    courseid, ann, bob = setup
    moodle.enrol(courseid, ann)

    answer = call(
        client,
        "enrol_manual_unenrol_users",
        enrolments=[{"userid": ann, "courseid": courseid}, {"userid": bob, "courseid": courseid}],
    )

    assert answer is None
    assert moodle.enrolments == {}


def test_suspended_users_are_listed_unless_onlyactive(moodle, client, setup):
    courseid, ann, bob = setup
    moodle.enrol(courseid, ann)
    moodle.enrol(courseid, bob, suspend=1)

    def usernames(*options):
        answer = call(client, "core_enrol_get_enrolled_users", courseid=courseid, options=list(options))
        return [u["username"] for u in answer]

    assert usernames() == ["ann", "bob"]
    assert usernames({"name": "onlyactive", "value": 1}) == ["ann"]
    assert usernames({"name": "limitfrom", "value": 1}, {"name": "limitnumber", "value": 1}) == ["bob"]


# --- Cohorts and groups ---------------------------------------------------------------------------


def cohort(idnumber: str, **extra: Any) -> dict:
    return {
        "categorytype": {"type": "system", "value": ""},
        "name": f"Cohort {idnumber}",
        "idnumber": idnumber,
        **extra,
    }


def test_cohorts_need_a_unique_idnumber(moodle, client):
    call(client, "core_cohort_create_cohorts", cohorts=[cohort("C1")])

    missing = call(
        client, "core_cohort_create_cohorts", cohorts=[{"categorytype": {"type": "system", "value": ""}, "name": "X"}]
    )
    duplicate = call(client, "core_cohort_create_cohorts", cohorts=[cohort("C2"), cohort("C1")])

    assert (missing["errorcode"], duplicate["errorcode"]) == ("invalidparameter", "invalidparameter")
    assert [c["idnumber"] for c in moodle.cohorts.values()] == ["C1"]


def test_search_cohorts_matches_name_or_idnumber(client):
    call(client, "core_cohort_create_cohorts", cohorts=[cohort("SESSION-2027-01"), cohort("OTHER", name="Promo IA")])

    def found(query):
        answer = call(client, "core_cohort_search_cohorts", query=query, context={"contextlevel": "system"})
        return [c["idnumber"] for c in answer["cohorts"]]

    assert found("2027") == ["SESSION-2027-01"]
    assert found("promo") == ["OTHER"]


def test_add_cohort_members_warns_with_codes_and_no_item_id(moodle, client):
    (created,) = call(client, "core_cohort_create_cohorts", cohorts=[cohort("C1")])
    ann = moodle.add_user("ann", idnumber="P-1")
    cohorttype = {"type": "idnumber", "value": "C1"}
    members = [
        {"cohorttype": cohorttype, "usertype": {"type": "username", "value": "ann"}},
        {"cohorttype": cohorttype, "usertype": {"type": "idnumber", "value": "P-1"}},
        {"cohorttype": cohorttype, "usertype": {"type": "username", "value": "nobody"}},
        {"cohorttype": cohorttype, "usertype": {"type": "id", "value": ann["id"]}},
    ]

    answer = call(client, "core_cohort_add_cohort_members", members=members)

    assert [w["warningcode"] for w in answer["warnings"]] == ["1", "2", "3"]
    assert all("itemid" not in w for w in answer["warnings"])
    assert moodle.cohort_members == {(created["id"], ann["id"])}


def test_groups_need_a_description_and_a_unique_name_and_idnumber(client, setup):
    courseid = setup[0]
    call(
        client,
        "core_group_create_groups",
        groups=[{"courseid": courseid, "name": "G1", "description": "", "idnumber": "G-1"}],
    )

    no_description = call(client, "core_group_create_groups", groups=[{"courseid": courseid, "name": "G2"}])
    same_name = call(
        client, "core_group_create_groups", groups=[{"courseid": courseid, "name": "G1", "description": ""}]
    )
    same_idnumber = call(
        client,
        "core_group_create_groups",
        groups=[{"courseid": courseid, "name": "G3", "description": "", "idnumber": "G-1"}],
    )

    assert no_description["errorcode"] == same_name["errorcode"] == "invalidparameter"
    assert same_idnumber["errorcode"] == "idnumbertaken"
    assert [g["name"] for g in call(client, "core_group_get_course_groups", courseid=courseid)] == ["G1"]


def test_only_enrolled_users_join_groups(moodle, client, setup):
    courseid, ann, bob = setup
    moodle.enrol(courseid, ann)
    (group,) = call(client, "core_group_create_groups", groups=[{"courseid": courseid, "name": "G", "description": ""}])

    joined = call(client, "core_group_add_group_members", members=[{"groupid": group["id"], "userid": ann}])
    refused = call(client, "core_group_add_group_members", members=[{"groupid": group["id"], "userid": bob}])

    assert joined is None
    assert refused["errorcode"] == "invalidparameter"
    assert moodle.group_members == {(group["id"], ann)}


# --- Completion -----------------------------------------------------------------------------------


def test_completion_status(moodle, client, setup):
    courseid, ann, bob = setup
    moodle.enrol(courseid, ann)

    def status(userid):
        return call(client, "core_completion_get_course_completion_status", courseid=courseid, userid=userid)

    assert status(ann)["errorcode"] == "nocriteriaset"
    moodle.set_completion_criteria(courseid)
    assert status(bob)["errorcode"] == "usernotenroled"
    assert status(ann)["completionstatus"]["completed"] is False
    moodle.complete(courseid, ann, timecompleted=1_800_000_000)
    completed = status(ann)["completionstatus"]
    assert completed["completed"] is True
    assert completed["completions"][0]["timecompleted"] == 1_800_000_000
