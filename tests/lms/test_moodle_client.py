"""The Moodle client against ``httpx.MockTransport`` handlers that answer the way Moodle 4.5 does."""

import logging
from urllib.parse import parse_qsl

import httpx
import pytest

from lms.moodle.client import MoodleClient, MoodleWarning, warnings_of
from lms.moodle.errors import ConfigurationError, ItemError, TransientError

URL = "https://moodle.test/"
TOKEN = "0123456789abcdef-secret-token"
ENDPOINT = "https://moodle.test/webservice/rest/server.php"


class Recorder:
    """A MockTransport handler that records requests and returns one canned answer."""

    def __init__(self, answer):
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer(request) if callable(self.answer) else self.answer

    def form(self, index: int = 0) -> list[tuple[str, str]]:
        return parse_qsl(self.requests[index].content.decode(), keep_blank_values=True)


def client_for(answer, **kwargs) -> tuple[MoodleClient, Recorder]:
    recorder = Recorder(answer)
    return MoodleClient(URL, TOKEN, transport=httpx.MockTransport(recorder), **kwargs), recorder


def moodle_error(exception: str, errorcode: str, message: str, **extra) -> httpx.Response:
    return httpx.Response(200, json={"exception": exception, "errorcode": errorcode, "message": message, **extra})


# --- the request ------------------------------------------------------------


def test_call_posts_the_form_moodle_expects():
    client, moodle = client_for(httpx.Response(200, json=[{"id": 12, "shortname": "IA-01"}]))

    client.call(
        "core_course_create_courses",
        courses=[{"fullname": "IA", "shortname": "IA-01", "categoryid": 3, "visible": True, "enablecompletion": False}],
    )

    request = moodle.requests[0]
    assert request.method == "POST"
    assert str(request.url) == ENDPOINT
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert moodle.form() == [
        ("wstoken", TOKEN),
        ("wsfunction", "core_course_create_courses"),
        ("moodlewsrestformat", "json"),
        ("courses[0][fullname]", "IA"),
        ("courses[0][shortname]", "IA-01"),
        ("courses[0][categoryid]", "3"),
        ("courses[0][visible]", "1"),
        ("courses[0][enablecompletion]", "0"),
    ]


def test_call_returns_decoded_json():
    client, _ = client_for(httpx.Response(200, json=[{"id": 12, "shortname": "IA-01"}]))

    assert client.call("core_course_create_courses", courses=[{"fullname": "IA"}]) == [{"id": 12, "shortname": "IA-01"}]


def test_call_returns_none_for_null():
    client, _ = client_for(httpx.Response(200, text="null", headers={"Content-Type": "application/json"}))

    assert client.call("enrol_manual_enrol_users", enrolments=[{"roleid": 5, "userid": 4, "courseid": 2}]) is None


def test_calls_counts_attempts_including_failures():
    client, _ = client_for(httpx.Response(503, text="<html>down</html>"))

    for _ in range(2):
        with pytest.raises(TransientError):
            client.call("core_webservice_get_site_info")

    assert client.calls == 2


def test_call_refuses_more_form_fields_than_the_limit_without_sending():
    client, moodle = client_for(httpx.Response(200, json=None), max_form_fields=10)

    with pytest.raises(ValueError, match="chunks"):
        client.call("core_user_get_users_by_field", field="id", values=list(range(7)))

    assert moodle.requests == []
    assert client.calls == 0


def test_call_refuses_an_argument_named_like_a_web_service_field():
    client, moodle = client_for(httpx.Response(200, json=None))

    with pytest.raises(ValueError, match="wstoken"):
        client.call("core_webservice_get_site_info", wstoken="other")

    assert moodle.requests == []


def test_chunks_make_calls_within_max_form_fields():
    client, moodle = client_for(httpx.Response(200, text="null"), max_form_fields=50)
    enrolments = [{"roleid": 5, "userid": user_id, "courseid": 8} for user_id in range(1, 41)]

    for batch in client.chunks(enrolments, list_key="enrolments"):
        client.call("enrol_manual_enrol_users", enrolments=batch)

    sent_user_ids = [
        int(value)
        for request_index in range(len(moodle.requests))
        for name, value in moodle.form(request_index)
        if name.endswith("[userid]")
    ]
    assert sent_user_ids == list(range(1, 41))
    assert all(len(moodle.form(i)) <= 50 for i in range(len(moodle.requests)))
    assert len(moodle.requests) > 1


# --- Moodle's error bodies (HTTP 200) ------------------------------------------


@pytest.mark.parametrize(
    ("exception", "errorcode"),
    [
        ("moodle_exception", "invalidtoken"),
        ("webservice_access_exception", "accessexception"),
        ("core\\exception\\moodle_exception", "servicerequireslogin"),
        ("moodle_exception", "servicenotavailable"),
        ("required_capability_exception", "nopermissions"),
    ],
)
def test_token_and_service_errors_are_configuration_errors(exception, errorcode):
    client, _ = client_for(moodle_error(exception, errorcode, "Access denied"))

    with pytest.raises(ConfigurationError) as caught:
        client.call("core_course_get_courses_by_field", field="idnumber", value="S-1")

    assert caught.value.errorcode == errorcode
    assert caught.value.function == "core_course_get_courses_by_field"


@pytest.mark.parametrize(
    "errorcode",
    ["invalidparameter", "shortnametaken", "invalidrecord", "wsnoinstance", "nocriteriaset", "Message was not sent."],
)
def test_other_errorcodes_are_item_errors(errorcode):
    client, _ = client_for(moodle_error("core\\exception\\moodle_exception", errorcode, "Refused"))

    with pytest.raises(ItemError) as caught:
        client.call("core_course_create_courses", courses=[{"fullname": "IA"}])

    assert caught.value.errorcode == errorcode
    assert caught.value.message == "Refused"
    assert caught.value.function == "core_course_create_courses"


def test_item_error_keeps_debuginfo():
    answer = moodle_error(
        "invalid_parameter_exception",
        "invalidparameter",
        "Invalid parameter value detected",
        debuginfo="Username already exists: jeanne@example.org",
    )
    client, _ = client_for(answer)

    with pytest.raises(ItemError) as caught:
        client.call("core_user_create_users", users=[{"username": "jeanne@example.org"}])

    assert caught.value.debuginfo == "Username already exists: jeanne@example.org"


def test_password_policy_errorcode_is_kept_whole():
    errorcode = (
        "<div>Passwords must be at least 8 characters long.</div><div>Passwords must have at least 1 digit(s).</div>"
    )
    client, _ = client_for(moodle_error("moodle_exception", errorcode, errorcode))

    with pytest.raises(ItemError) as caught:
        client.call("core_user_create_users", users=[{"username": "x", "password": "short"}])

    assert caught.value.errorcode == errorcode


def test_site_maintenance_is_transient():
    client, _ = client_for(moodle_error("moodle_exception", "sitemaintenance", "Site is under maintenance"))

    with pytest.raises(TransientError) as caught:
        client.call("core_webservice_get_site_info")

    assert caught.value.errorcode == "sitemaintenance"


# --- HTTP-level answers ------------------------------------------------------


def test_http_403_empty_body_is_a_configuration_error():
    client, _ = client_for(httpx.Response(403, text="", headers={"Content-Type": "text/html"}))

    with pytest.raises(ConfigurationError) as caught:
        client.call("core_webservice_get_site_info")

    assert "403" in str(caught.value)
    assert caught.value.function == "core_webservice_get_site_info"


def test_redirect_is_a_configuration_error_and_is_not_followed():
    location = "https://moodle.example.org/webservice/rest/server.php"
    client, moodle = client_for(httpx.Response(303, headers={"Location": location}))

    with pytest.raises(ConfigurationError) as caught:
        client.call("core_course_get_courses_by_field", field="idnumber", value="S-1")

    assert location in str(caught.value)
    assert len(moodle.requests) == 1


@pytest.mark.parametrize("status", [404, 400, 405])
def test_other_4xx_is_a_configuration_error(status):
    client, _ = client_for(httpx.Response(status, text="<html>Not Found</html>"))

    with pytest.raises(ConfigurationError):
        client.call("core_webservice_get_site_info")


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_5xx_and_429_are_transient(status):
    client, _ = client_for(httpx.Response(status, text="<html>Service Unavailable</html>"))

    with pytest.raises(TransientError):
        client.call("core_webservice_get_site_info")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<!DOCTYPE html><html><body>Error reading from database</body></html>", "text/html"),
        ('<?xml version="1.0" encoding="UTF-8" ?><RESPONSE><SINGLE></SINGLE></RESPONSE>', "application/xml"),
        ("", "text/html"),
        ('"just a string"', "application/json"),
        ("42", "application/json"),
    ],
    ids=["html", "xml", "empty", "json-string", "json-number"],
)
def test_an_answer_that_is_not_moodle_json_is_transient(body, content_type):
    client, _ = client_for(httpx.Response(200, text=body, headers={"Content-Type": content_type}))

    with pytest.raises(TransientError) as caught:
        client.call("core_webservice_get_site_info")

    assert caught.value.function == "core_webservice_get_site_info"


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("timed out"),
        httpx.ConnectTimeout("timed out"),
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ConnectError("[Errno -2] Name or service not known"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
    ids=["read-timeout", "connect-timeout", "refused", "dns", "disconnected"],
)
def test_network_failures_are_transient(failure):
    client, moodle = client_for(failure)

    with pytest.raises(TransientError) as caught:
        client.call("core_webservice_get_site_info")

    assert caught.value.function == "core_webservice_get_site_info"
    assert len(moodle.requests) == 1


# --- the token stays secret ---------------------------------------------------


def test_token_never_appears_in_errors_or_logs(caplog):
    def echo_token(request):
        return moodle_error("moodle_exception", "invalidparameter", f"bad {TOKEN}", debuginfo=f"wstoken={TOKEN}")

    client, _ = client_for(echo_token)
    caplog.set_level(logging.DEBUG, logger="lms.moodle")

    with pytest.raises(ItemError) as caught:
        client.call("core_course_create_courses", courses=[{"fullname": "IA"}])

    error = caught.value
    assert TOKEN not in f"{error} {error.message} {error.debuginfo} {error!r}"
    assert TOKEN not in caplog.text


def test_token_is_not_in_the_excerpt_of_a_non_json_answer():
    client, _ = client_for(httpx.Response(200, text=f"<html>wstoken={TOKEN}</html>"))

    with pytest.raises(TransientError) as caught:
        client.call("core_webservice_get_site_info")

    assert TOKEN not in str(caught.value)


# --- warnings and logs --------------------------------------------------------


def test_warnings_are_returned_and_logged(caplog):
    result = {
        "warnings": [
            {"item": "course", "itemid": 3, "warningcode": "shortnametaken", "message": "Short name is already used"}
        ]
    }
    client, _ = client_for(httpx.Response(200, json=result))
    caplog.set_level(logging.WARNING, logger="lms.moodle")

    answer = client.call("core_course_update_courses", courses=[{"id": 3, "shortname": "IA-01"}])

    assert warnings_of(answer) == [
        MoodleWarning(item="course", itemid=3, warningcode="shortnametaken", message="Short name is already used")
    ]
    logged = [r for r in caplog.records if r.name == "lms.moodle" and r.levelno == logging.WARNING]
    assert len(logged) == 1
    assert "shortnametaken" in logged[0].getMessage()
    assert logged[0].moodle_function == "core_course_update_courses"


def test_cohort_member_warnings_have_no_item_id():
    result = {"warnings": [{"warningcode": "3", "message": "User is already a member of this cohort"}]}

    assert warnings_of(result) == [
        MoodleWarning(item="", itemid=None, warningcode="3", message="User is already a member of this cohort")
    ]


@pytest.mark.parametrize("result", [None, [], [{"warnings": [{"item": "x"}]}], {"courses": []}])
def test_warnings_of_anything_but_a_dict_with_warnings_is_empty(result):
    assert warnings_of(result) == []


def test_call_timing_is_logged_at_debug(caplog):
    client, _ = client_for(httpx.Response(200, json={"sitename": "Moodle"}))
    caplog.set_level(logging.DEBUG, logger="lms.moodle")

    client.call("core_webservice_get_site_info")

    debug = [r for r in caplog.records if r.name == "lms.moodle" and r.levelno == logging.DEBUG]
    assert [r.moodle_function for r in debug] == ["core_webservice_get_site_info"]
    assert isinstance(debug[0].moodle_ms, int)


# --- construction ---------------------------------------------------------------


@pytest.mark.parametrize("url", ["", "moodle.test", "ftp://moodle.test"])
def test_a_url_that_is_not_http_is_a_configuration_error(url):
    with pytest.raises(ConfigurationError):
        MoodleClient(url, TOKEN)


def test_an_empty_token_is_a_configuration_error():
    with pytest.raises(ConfigurationError):
        MoodleClient(URL, "")


def test_from_settings(settings):
    settings.MOODLE_URL = "https://lms.example.org/moodle/"
    settings.MOODLE_TOKEN = TOKEN
    settings.MOODLE_MAX_FORM_FIELDS = 500
    recorder = Recorder(httpx.Response(200, json={"sitename": "Moodle"}))

    client = MoodleClient.from_settings(transport=httpx.MockTransport(recorder))
    client.call("core_webservice_get_site_info")

    assert str(recorder.requests[0].url) == "https://lms.example.org/moodle/webservice/rest/server.php"
    assert ("wstoken", TOKEN) in recorder.form()
    assert client.max_form_fields == 500


def test_from_settings_without_moodle_url_is_a_configuration_error(settings):
    settings.MOODLE_URL = ""
    settings.MOODLE_TOKEN = TOKEN

    with pytest.raises(ConfigurationError):
        MoodleClient.from_settings()


def test_context_manager_closes_the_client():
    client, _ = client_for(httpx.Response(200, json={}))

    with client:
        client.call("core_webservice_get_site_info")

    with pytest.raises(RuntimeError):
        client.call("core_webservice_get_site_info")


def test_repr_hides_the_token():
    client, _ = client_for(httpx.Response(200, json={}))

    assert TOKEN not in repr(client)


def test_a_short_token_does_not_mangle_moodle_words():
    answer = moodle_error(
        "moodle_exception", "invalidtoken", "Invalid token - token not found", debuginfo="wstoken=tok"
    )
    client = MoodleClient(URL, "tok", transport=httpx.MockTransport(lambda request: answer))

    with pytest.raises(ConfigurationError) as caught:
        client.call("core_webservice_get_site_info")

    assert caught.value.errorcode == "invalidtoken"
    assert caught.value.message == "Invalid token - token not found"
    assert caught.value.debuginfo == "wstoken=[token]"


# --- against the stateful fake Moodle ----------------------------------------------


@pytest.fixture
def fake_moodle():
    from tests.fakes.moodle import FakeMoodle

    return FakeMoodle(max_input_vars=100)


@pytest.fixture
def fake_client(fake_moodle):
    with MoodleClient(fake_moodle.wwwroot, fake_moodle.token, transport=fake_moodle.transport()) as client:
        yield client


def test_fake_site_info_lists_the_token_functions(fake_client):
    info = fake_client.call("core_webservice_get_site_info")

    assert info["username"] == "wsuser"
    assert "core_course_create_courses" in {function["name"] for function in info["functions"]}


def test_fake_create_then_get_a_course(fake_client):
    course = {"fullname": "IA générative", "shortname": "S-2026-01", "idnumber": "S-2026-01", "categoryid": 1}

    created = fake_client.call("core_course_create_courses", courses=[{**course, "visible": False}])
    found = fake_client.call("core_course_get_courses_by_field", field="idnumber", value="S-2026-01")

    assert [c["shortname"] for c in created] == ["S-2026-01"]
    assert [(c["id"], c["fullname"], c["visible"]) for c in found["courses"]] == [
        (created[0]["id"], "IA générative", 0)
    ]
    with pytest.raises(ItemError) as caught:
        fake_client.call("core_course_create_courses", courses=[course])
    assert caught.value.errorcode == "shortnametaken"


def test_fake_batch_cut_by_chunks_survives_max_input_vars(fake_moodle):
    users = [
        {
            "username": f"u{i}@example.org",
            "firstname": "Ada",
            "lastname": f"L{i}",
            "email": f"u{i}@example.org",
            "createpassword": True,
        }
        for i in range(60)
    ]
    client = MoodleClient(
        fake_moodle.wwwroot, fake_moodle.token, transport=fake_moodle.transport(), max_form_fields=100
    )

    created = [
        user
        for batch in client.chunks(users, list_key="users")
        for user in client.call("core_user_create_users", users=batch)
    ]

    assert [user["username"] for user in created] == [user["username"] for user in users]
    assert client.calls > 1
