"""The fake Moodle behaves as MOODLE.md says Moodle 4.5 does: transport, validation, faults, loopback."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.fakes.moodle import FakeMoodle
from tests.fakes.moodle.forms import ENDPOINT
from tests.fakes.moodle.forms import control_fields as control
from tests.fakes.moodle.forms import post_form as post
from tests.fakes.moodle.forms import ws_call as call


@pytest.fixture
def moodle() -> FakeMoodle:
    return FakeMoodle()


@pytest.fixture
def client(moodle):
    with httpx.Client(transport=moodle.transport(), base_url=moodle.wwwroot) as client:
        yield client


def course(shortname: str, **extra: Any) -> dict:
    return {"fullname": shortname.upper(), "shortname": shortname, "categoryid": 1, **extra}


# --- Transport and envelope ----------------------------------------------------------------------


def test_site_info_gives_release_and_the_service_functions():
    moodle = FakeMoodle(functions={"core_webservice_get_site_info", "core_course_get_courses_by_field"})
    with httpx.Client(transport=moodle.transport(), base_url=moodle.wwwroot) as client:
        info = call(client, "core_webservice_get_site_info")

    assert info["release"] == "4.5.2 (Build: 20250210)"
    assert info["siteurl"] == "http://moodle.test"
    assert {f["name"] for f in info["functions"]} == {
        "core_webservice_get_site_info",
        "core_course_get_courses_by_field",
    }


@pytest.mark.parametrize("pairs", [control("core_webservice_get_site_info", "wrong"), [("wsfunction", "x")]])
def test_a_wrong_or_missing_token_is_invalidtoken_with_http_200(client, pairs):
    response = post(client, [*pairs, ("moodlewsrestformat", "json")])

    assert response.status_code == 200
    assert response.json() == {
        "exception": "moodle_exception",
        "errorcode": "invalidtoken",
        "message": "Invalid token - token not found",
    }


def test_an_unknown_function_is_invalidrecord(client):
    assert call(client, "core_course_delete_everything")["errorcode"] == "invalidrecord"


def test_a_function_outside_the_service_is_accessexception():
    moodle = FakeMoodle(functions={"core_webservice_get_site_info"})
    with httpx.Client(transport=moodle.transport(), base_url=moodle.wwwroot) as client:
        error = call(client, "core_course_get_courses_by_field")

    assert (error["exception"], error["errorcode"]) == ("webservice_access_exception", "accessexception")


def test_without_the_json_format_the_answer_is_xml(client):
    response = post(client, [("wstoken", "fake-token"), ("wsfunction", "core_course_get_categories")])

    assert response.headers["content-type"].startswith("application/xml")
    assert '<KEY name="name"><VALUE>Category 1</VALUE>' in response.text


def test_a_json_body_is_ignored_so_courses_by_field_returns_every_course(moodle, client):
    moodle.add_course("alpha")
    moodle.add_course("beta")
    query = urlencode(control("core_course_get_courses_by_field"))

    response = client.post(f"{ENDPOINT}?{query}", json={"field": "shortname", "value": "alpha"})

    assert [c["shortname"] for c in response.json()["courses"]] == ["alpha", "beta"]


def test_a_request_for_another_host_is_redirected_to_wwwroot(moodle):
    with httpx.Client(transport=moodle.transport(), base_url="http://other.test") as client:
        response = post(client, control("core_webservice_get_site_info"))

    assert response.status_code == 303
    assert response.headers["location"] == "http://moodle.test"
    assert moodle.call_count == 1


# --- Parameter decoding and validation ------------------------------------------------------------


def test_nested_brackets_reach_the_course_format_options(client):
    options = [{"name": "numsections", "value": "4"}]
    (created,) = call(client, "core_course_create_courses", courses=[course("nested", courseformatoptions=options)])

    (found,) = call(client, "core_course_get_courses_by_field", field="id", value=created["id"])["courses"]
    assert {"name": "numsections", "value": "4"} in found["courseformatoptions"]


def test_empty_brackets_append_to_a_list(moodle, client):
    moodle.add_user("ann")
    moodle.add_user("bob")
    pairs = control("core_user_get_users_by_field") + [("field", "username"), ("values[]", "ann"), ("values[]", "bob")]

    users = post(client, pairs).json()

    assert [u["username"] for u in users] == ["ann", "bob"]


def test_an_unexpected_key_fails_the_whole_call(moodle, client):
    error = call(client, "core_course_create_courses", courses=[course("ok"), course("bad", bogus="1")])

    assert error["exception"] == "invalid_parameter_exception"
    assert error["errorcode"] == "invalidparameter"
    assert "Unexpected keys (bogus) detected" in error["message"]
    assert moodle.courses == {}


def test_a_scalar_where_a_list_is_expected_is_refused(client):
    error = call(client, "core_user_get_users_by_field", field="username", values="ann")

    assert error["errorcode"] == "invalidparameter"
    assert "Only arrays accepted." in error["message"]


@pytest.mark.parametrize(("value", "accepted"), [("true", False), ("yes", False), ("0", True), ("1", True)])
def test_booleans_must_be_written_as_digits(client, value, accepted):
    answer = call(client, "core_course_get_categories", addsubcategories=value)

    assert isinstance(answer, list) is accepted


def test_a_missing_required_key_is_invalidparameter(client):
    error = call(client, "core_course_create_courses", courses=[{"fullname": "No short name", "categoryid": 1}])

    assert error["errorcode"] == "invalidparameter"
    assert "Missing required key in single structure: shortname" in error["message"]


def test_fields_beyond_max_input_vars_are_dropped_and_the_batch_fails():
    moodle = FakeMoodle(max_input_vars=10)  # 3 control fields + 7: the third course loses 2 of its 3 fields
    with httpx.Client(transport=moodle.transport(), base_url=moodle.wwwroot) as client:
        error = call(client, "core_course_create_courses", courses=[course("c1"), course("c2"), course("c3")])
        created = call(client, "core_course_create_courses", courses=[course("c1"), course("c2")])

    assert error["errorcode"] == "invalidparameter"
    assert [c["shortname"] for c in created] == ["c1", "c2"]


# --- Faults ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "status", "content_type", "body"),
    [
        ("5xx", 503, "text/html", "Service Unavailable"),
        ("html", 200, "text/html", "errorbox"),
        ("403", 403, "text/html", ""),
        ("redirect", 303, "text/html", "redirect"),
    ],
)
def test_http_fault_modes(moodle, client, mode, status, content_type, body):
    moodle.fail(mode)

    response = post(client, control("core_webservice_get_site_info"))

    assert response.status_code == status
    assert response.headers["content-type"].startswith(content_type)
    assert body in response.text if body else response.content == b""


def test_the_redirect_fault_points_to_another_host(moodle, client):
    moodle.fail("redirect")

    response = post(client, control("core_webservice_get_site_info"))

    assert not response.headers["location"].startswith(moodle.wwwroot)


@pytest.mark.parametrize(("mode", "exception"), [("down", httpx.ConnectError), ("timeout", httpx.ReadTimeout)])
def test_network_fault_modes_raise_in_the_transport(moodle, client, mode, exception):
    moodle.fail(mode)

    with pytest.raises(exception):
        post(client, control("core_webservice_get_site_info"))
    assert moodle.call_count == 1


def test_the_invalidtoken_fault_answers_invalidtoken(moodle, client):
    moodle.fail("invalidtoken")

    assert call(client, "core_webservice_get_site_info")["errorcode"] == "invalidtoken"


def test_message_not_sent_comes_after_the_enrolment_is_saved(moodle, client):
    courseid, userid = moodle.add_course("msg")["id"], moodle.add_user("ann")["id"]
    moodle.fail("message_not_sent")

    error = call(client, "enrol_manual_enrol_users", enrolments=[{"roleid": 5, "userid": userid, "courseid": courseid}])

    assert error == {
        "exception": "moodle_exception",
        "errorcode": "Message was not sent.",
        "message": "Message was not sent.",
    }
    assert (courseid, userid) in moodle.enrolments
    assert "errorcode" not in call(client, "core_webservice_get_site_info")


def test_a_fault_with_times_fails_only_that_many_calls(moodle, client):
    moodle.fail("5xx", times=2)

    statuses = [post(client, control("core_webservice_get_site_info")).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]


def test_a_fault_can_target_some_functions_until_recover(moodle, client):
    moodle.fail("5xx", functions={"core_course_get_categories"})

    targeted = post(client, control("core_course_get_categories")).status_code
    other = post(client, control("core_webservice_get_site_info")).status_code
    moodle.recover()
    recovered = post(client, control("core_course_get_categories")).status_code

    assert (targeted, other, recovered) == (503, 200, 200)


def test_calls_records_every_request_with_its_parameters(moodle, client):
    moodle.fail("5xx", times=1)
    post(client, control("core_course_get_courses_by_field") + [("field", "ids"), ("value", "2,3")])
    call(client, "core_user_get_users_by_field", field="username", values=["ann"])

    assert moodle.calls == [
        ("core_course_get_courses_by_field", {"field": "ids", "value": "2,3"}),
        ("core_user_get_users_by_field", {"field": "username", "values": ["ann"]}),
    ]


# --- Loopback server ------------------------------------------------------------------------------


def test_serve_answers_over_loopback_http(moodle):
    moodle.add_course("served")
    with moodle.serve() as url, httpx.Client(base_url=url) as client:
        answer = call(client, "core_course_get_courses_by_field", field="shortname", value="served")

    assert url.startswith("http://127.0.0.1:")
    assert [c["shortname"] for c in answer["courses"]] == ["served"]


def test_serve_down_closes_the_connection_without_an_answer(moodle):
    moodle.fail("down")
    with moodle.serve() as url, httpx.Client(base_url=url) as client, pytest.raises(httpx.RemoteProtocolError):
        post(client, control("core_webservice_get_site_info"))


def test_serve_timeout_keeps_the_client_waiting(moodle):
    moodle.fail("timeout", delay=2.0)
    with moodle.serve() as url, httpx.Client(base_url=url, timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
        post(client, control("core_webservice_get_site_info"))
