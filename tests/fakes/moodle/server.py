"""``FakeMoodle``: the HTTP side (WSGI app, in-process httpx transport, loopback server), faults and helpers."""

from __future__ import annotations

import contextlib
import json
import re
import socketserver
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlsplit
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

import httpx

from . import functions_cohort_group, functions_course, functions_user  # noqa: F401 (they register the functions)
from .errors import MoodleException, access_exception, invalid_token, missing_record
from .functions_course import category_record
from .params import parse_form, to_plain, validate
from .store import FUNCTIONS, Site, Store

ENDPOINT = "/webservice/rest/server.php"
FAULT_MODES = {"down", "timeout", "5xx", "html", "403", "redirect", "invalidtoken", "message_not_sent"}
HTML = "text/html; charset=utf-8"
MOODLE_ERROR_PAGE = (
    '<!DOCTYPE html>\n<html dir="ltr" lang="en"><head><title>Error | Moodle</title></head>'
    '<body><div class="errorbox"><p class="errormessage">Error reading from database</p></div></body></html>'
)
REASONS = {200: "OK", 303: "See Other", 403: "Forbidden", 404: "Not Found", 503: "Service Unavailable"}


@dataclass
class Fault:
    mode: str
    times: int | None
    functions: set[str] | None
    delay: float


@dataclass
class Request:
    path: str
    query: str
    content_type: str
    body: bytes
    host: str


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Drop:
    """Answer nothing: "down" closes the connection, "timeout" does so ``delay`` seconds later."""

    timeout: bool = False
    delay: float = 0.0


class DropConnection(Exception):
    """Raised by the WSGI app to make the loopback server close the connection without a response."""


class FakeMoodle:
    """A stateful Moodle 4.5 REST server for tests; see the package docstring."""

    def __init__(
        self,
        *,
        token: str = "fake-token",  # noqa: S107 (a test token)
        wwwroot: str = "http://moodle.test",
        functions: set[str] | None = None,
        max_input_vars: int = 1000,
        latency: float = 0.0,
        release: str = "4.5.2 (Build: 20250210)",
    ) -> None:
        self.token = token
        self.wwwroot = wwwroot.rstrip("/")
        self._host = urlsplit(self.wwwroot).netloc.lower()
        self._path = urlsplit(self.wwwroot).path
        self.functions = set(FUNCTIONS) if functions is None else set(functions)
        self.max_input_vars = max_input_vars
        self.latency = latency
        self.release = release
        point = re.match(r"4\.5\.(\d+)", release)
        self._site = Site(self.wwwroot, release, f"20241007{int(point.group(1)) if point else 0:02d}", self.functions)
        self.categories: dict[int, dict] = {}
        self.courses: dict[int, dict] = {}
        self.users: dict[int, dict] = {}
        self.enrolments: dict[tuple[int, int], dict] = {}
        self.cohorts: dict[int, dict] = {}
        self.cohort_members: set[tuple[int, int]] = set()
        self.groups: dict[int, dict] = {}
        self.group_members: set[tuple[int, int]] = set()
        self.manual_enrol: dict[int, bool] = {}
        self.completion_criteria: set[int] = set()
        self.completions: dict[tuple[int, int], int] = {}
        store = self._store()
        self.categories[1] = category_record(store, 1, "Category 1", 0)
        self.calls: list[tuple[str, dict]] = []
        self._faults: list[Fault] = []
        self._served_hosts: set[str] = set()
        self._lock = threading.RLock()

    # --- Fault injection ---------------------------------------------------------------------------

    def fail(
        self, mode: str, *, times: int | None = None, functions: set[str] | None = None, delay: float = 2.0
    ) -> None:
        """Make the next ``times`` matching calls (all until ``recover()`` if None) fail in ``mode``.

        Faults queue up: each call takes the first one that matches its function.
        """
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {mode!r}; choose from {sorted(FAULT_MODES)}")
        if times is not None and times <= 0:
            return
        with self._lock:
            self._faults.append(Fault(mode, times, set(functions) if functions else None, delay))

    def recover(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, function: str) -> Fault | None:
        for fault in self._faults:
            if fault.functions is not None and function not in fault.functions:
                continue
            if fault.mode == "message_not_sent" and function != "enrol_manual_enrol_users":
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
            return fault
        return None

    @property
    def call_count(self) -> int:
        return len(self.calls)

    # --- Test helpers ------------------------------------------------------------------------------

    def course_by_idnumber(self, idnumber: str) -> dict | None:
        return next((c for c in self.courses.values() if idnumber and c.get("idnumber") == idnumber), None)

    def user_by_idnumber(self, idnumber: str) -> dict | None:
        return next((u for u in self.users.values() if idnumber and u.get("idnumber") == idnumber), None)

    def set_completion_criteria(self, courseid: int, enabled: bool = True) -> None:
        with self._lock:
            (self.completion_criteria.add if enabled else self.completion_criteria.discard)(courseid)

    def complete(self, courseid: int, userid: int, timecompleted: int | None = None) -> None:
        with self._lock:
            self.completions[(courseid, userid)] = int(time.time()) if timecompleted is None else timecompleted

    def disable_manual_enrol(self, courseid: int) -> None:
        with self._lock:
            self.manual_enrol[courseid] = False

    def add_category(self, name: str, **fields: Any) -> dict:
        """Create a category as ``core_course_create_categories`` would (fields: parent, idnumber, description)."""
        (created,) = self.invoke("core_course_create_categories", {"categories": [{"name": name, **fields}]})
        return self.categories[created["id"]]

    def add_course(self, shortname: str, **fields: Any) -> dict:
        """Create a course as ``core_course_create_courses`` would; fullname and categoryid have defaults."""
        fields = {"fullname": shortname, "categoryid": 1, **fields, "shortname": shortname}
        (created,) = self.invoke("core_course_create_courses", {"courses": [fields]})
        return self.courses[created["id"]]

    def add_user(self, username: str, **fields: Any) -> dict:
        """Create a user as ``core_user_create_users`` would; names, email and createpassword have defaults."""
        email = username if "@" in username else f"{username}@example.org"
        defaults = {"firstname": username.title(), "lastname": "Test", "email": email}
        fields = {**defaults, "createpassword": 1, **fields, "username": username}
        (created,) = self.invoke("core_user_create_users", {"users": [fields]})
        return self.users[created["id"]]

    def enrol(self, courseid: int, userid: int, roleid: int = 5, **fields: Any) -> None:
        """Enrol as ``enrol_manual_enrol_users`` would (fields: timestart, timeend, suspend)."""
        enrolment = {"courseid": courseid, "userid": userid, "roleid": roleid, **fields}
        self.invoke("enrol_manual_enrol_users", {"enrolments": [enrolment]})

    def invoke(self, function: str, params: dict) -> Any:
        """Run a function directly (no token, no HTTP, not recorded); ``params`` as JSON-like data.

        Raises ``MoodleException`` as the function would.
        """
        with self._lock:
            return self._execute(function, _to_php(params))

    # --- Request handling --------------------------------------------------------------------------

    def _store(self) -> Store:
        return Store.view(self, self._site)

    def _execute(self, name: str, params: dict) -> Any:
        function = FUNCTIONS[name]
        validated = validate(function.parameters, params)
        if not function.writes:
            return function.handler(self._store(), validated)
        draft = self._store().copy()
        result = function.handler(draft, validated)
        draft.commit_to(self)
        return result

    def _dispatch(self, token: Any, name: str, params: dict) -> Any:
        if not isinstance(token, str) or token != self.token:
            raise invalid_token()
        if name not in FUNCTIONS:
            raise missing_record("external_functions")
        if name not in self.functions:
            raise access_exception()
        return self._execute(name, params)

    def handle(self, request: Request) -> Reply | Drop:
        """One HTTP request, whatever carried it."""
        if request.path != self._path + ENDPOINT:
            return Reply(404, [("Content-Type", HTML)], b"<h1>Not Found</h1>")
        params = parse_form(request.query, self.max_input_vars)
        # PHP fills $_POST from form bodies only: a JSON body is ignored.
        if request.content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            params |= parse_form(request.body.decode("utf-8", "replace"), self.max_input_vars)
        token = params.pop("wstoken", None)
        name = params.pop("wsfunction", "")
        name = name if isinstance(name, str) else ""
        as_json = params.pop("moodlewsrestformat", "xml") == "json"
        for key in [k for k in params if k.startswith("moodlewssetting")]:
            del params[key]
        with self._lock:
            self.calls.append((name, to_plain(params)))
            fault = self._take_fault(name)
        if self.latency:
            time.sleep(self.latency)
        if fault and fault.mode != "message_not_sent":
            return self._fault_reply(fault, as_json)
        if request.host.lower() not in {self._host, *self._served_hosts}:
            # Moodle's setup redirects any request for another host to wwwroot (and the POST body is lost).
            return _redirect(self.wwwroot)
        with self._lock:
            try:
                result = self._dispatch(token, name, params)
            except MoodleException as error:
                return _error_reply(error, as_json)
        if fault:  # message_not_sent: the enrolments are saved, then Moodle fails to send its email.
            text = "Message was not sent."
            return _error_reply(MoodleException(text, text, exception="moodle_exception"), as_json)
        return _result_reply(result, as_json)

    def _fault_reply(self, fault: Fault, as_json: bool) -> Reply | Drop:
        match fault.mode:
            case "down":
                return Drop()
            case "timeout":
                return Drop(timeout=True, delay=fault.delay)
            case "5xx":
                body = (
                    b"<html><head><title>503 Service Unavailable</title></head><body>Service Unavailable</body></html>"
                )
                return Reply(503, [("Content-Type", HTML)], body)
            case "html":
                return Reply(200, [("Content-Type", HTML)], MOODLE_ERROR_PAGE.encode())
            case "403":
                return Reply(403, [("Content-Type", HTML)], b"")
            case "redirect":
                return _redirect(f"https://elsewhere.invalid{self._path}{ENDPOINT}")
        return _error_reply(invalid_token(), as_json)

    # --- Transports --------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response) -> list[bytes]:
        """The WSGI app; "down" and "timeout" raise ``DropConnection``, which ``serve()`` turns into silence."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        request = Request(
            path=environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
            query=environ.get("QUERY_STRING", ""),
            content_type=environ.get("CONTENT_TYPE", ""),
            body=environ["wsgi.input"].read(length) if length else b"",
            host=host,
        )
        outcome = self.handle(request)
        if isinstance(outcome, Drop):
            time.sleep(outcome.delay)
            raise DropConnection
        start_response(f"{outcome.status} {REASONS.get(outcome.status, '')}", outcome.headers)
        return [outcome.body]

    def transport(self) -> httpx.BaseTransport:
        """An in-process transport for ``httpx.Client(transport=...)``: "down" and "timeout" raise at once."""
        return FakeTransport(self)

    @contextlib.contextmanager
    def serve(self) -> Iterator[str]:
        """Serve on a loopback port in a thread; yields the base URL to use as Moodle's URL."""
        server = LoopbackServer(("127.0.0.1", 0), QuietHandler)
        server.set_app(self)
        port = server.server_address[1]
        hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        with self._lock:
            self._served_hosts |= hosts
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{port}{self._path}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
            with self._lock:
                self._served_hosts -= hosts


class FakeTransport(httpx.BaseTransport):
    def __init__(self, fake: FakeMoodle) -> None:
        self.fake = fake

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        outcome = self.fake.handle(
            Request(
                path=request.url.path,
                query=request.url.query.decode(),
                content_type=request.headers.get("content-type", ""),
                body=request.read(),
                host=request.headers.get("host", request.url.netloc.decode()),
            )
        )
        if isinstance(outcome, Drop):
            if outcome.timeout:
                raise httpx.ReadTimeout("The read operation timed out (fake Moodle)", request=request)
            raise httpx.ConnectError("[Errno 111] Connection refused (fake Moodle is down)", request=request)
        return httpx.Response(outcome.status, headers=outcome.headers, content=outcome.body, request=request)


# --- Loopback server ---------------------------------------------------------------------------------


class LoopbackServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can be slow; loopback needs none of it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]
        self.setup_environ()


class DroppingServerHandler(ServerHandler):
    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], DropConnection):
            return  # send nothing; the server closes the socket
        super().handle_error()


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's signature)
        pass

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536 or not self.parse_request():
            return
        handler = DroppingServerHandler(self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True)
        handler.request_handler = self
        handler.run(self.server.get_app())


# --- Rendering ---------------------------------------------------------------------------------------


def _redirect(location: str) -> Reply:
    body = (
        f'<html><body>This page should automatically redirect. <a href="{escape(location)}">Continue</a></body></html>'
    )
    return Reply(303, [("Location", location), ("Content-Type", HTML)], body.encode())


def _error_reply(error: MoodleException, as_json: bool) -> Reply:
    if as_json:
        return Reply(200, [("Content-Type", "application/json; charset=utf-8")], json.dumps(error.as_dict()).encode())
    body = (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        f'<EXCEPTION class="{_xml_escape(error.exception)}">\n'
        f"<ERRORCODE>{_xml_escape(error.errorcode)}</ERRORCODE>\n"
        f"<MESSAGE>{_xml_escape(error.message)}</MESSAGE>\n"
        "</EXCEPTION>\n"
    )
    return Reply(200, [("Content-Type", "application/xml; charset=utf-8")], body.encode())


def _result_reply(result: Any, as_json: bool) -> Reply:
    if as_json:
        return Reply(200, [("Content-Type", "application/json; charset=utf-8")], json.dumps(result).encode())
    inner = "" if result is None else _xmlize(result)
    body = f'<?xml version="1.0" encoding="UTF-8" ?>\n<RESPONSE>\n{inner}</RESPONSE>\n'
    return Reply(200, [("Content-Type", "application/xml; charset=utf-8")], body.encode())


def _xmlize(value: Any) -> str:
    """``webservice_rest_server::xmlize_result``: SINGLE for structures, MULTIPLE for lists, VALUE for scalars."""
    if isinstance(value, dict):
        keys = "".join(f'<KEY name="{_xml_escape(k)}">{_xmlize(v)}</KEY>\n' for k, v in value.items())
        return f"<SINGLE>\n{keys}</SINGLE>\n"
    if isinstance(value, list):
        return "<MULTIPLE>\n" + "".join(_xmlize(v) for v in value) + "</MULTIPLE>\n"
    if value is None:
        return '<VALUE null="null"/>\n'
    return f"<VALUE>{_xml_escape(str(int(value) if isinstance(value, bool) else value))}</VALUE>\n"


def _xml_escape(text: str) -> str:
    return escape(text, quote=False).replace('"', "&quot;")


def _to_php(value: Any) -> Any:
    """JSON-like data as PHP's form decoding would give it: lists become integer-keyed arrays, scalars strings."""
    if isinstance(value, dict):
        return {str(k): _to_php(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return {str(i): _to_php(v) for i, v in enumerate(value)}
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
