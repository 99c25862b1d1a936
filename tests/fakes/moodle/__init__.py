"""A stateful fake of Moodle 4.5's REST web services, for tests and the benchmark.

It follows ``/work/shared/MOODLE.md`` (observed on a real Moodle 4.5):

- ``POST {wwwroot}/webservice/rest/server.php`` with a form body (query-string fields count too,
  the body wins); a JSON body is ignored. PHP bracket notation is decoded, and fields past
  ``max_input_vars`` are dropped silently, per source, as PHP does.
- Errors are HTTP 200 ``{"exception", "errorcode", "message"}`` (XML without
  ``moodlewsrestformat=json``); ``invalidparameter`` messages carry the detail in brackets.
- Parameters are validated like ``external_api::validate_parameters`` (missing keys, unexpected
  keys, "Only arrays accepted.", ``clean_param`` round-trips so ``true`` is no boolean).
- All-or-nothing batches run on a copy of the state committed only on success; update functions
  and ``core_cohort_add_cohort_members`` report per-item warnings.
- A Host other than wwwroot's (or the loopback address ``serve()`` listens on) gets a 303 to wwwroot.

Choices where the brief, not Moodle, decides (and where real Moodle answers differently):

- Unknown course, user or category in a write: ``invalidrecord`` (Moodle: ``errorcatcontextnotvalid``
  for a category, "Context does not exist" for a course, a coding error for a user).
- A duplicate user ``idnumber`` is refused with ``invalidparameter`` (Moodle accepts it).
- ``core_course_get_courses_by_field`` never returns the site course (id 1, not stored).
- ``core_group_add_group_members`` for a user not enrolled in the group's course: ``invalidparameter``
  "Only enrolled users may be members of groups" (as Moodle).
- ``core_cohort_add_cohort_members`` with ``usertype[type]=idnumber``: warning "1" (as Moodle and
  MOODLE.md), not an error.
- The password-policy errorcode is one ``<div>`` per failed rule, as ``check_password_policy`` builds it.
- Completion: ``usernotenroled`` is checked before ``nocriteriaset`` (as Moodle); only active
  students are tracked; a course with ``enablecompletion=0`` gives ``cannotviewreport``.

Starting state: category 1 "Category 1"; new ids start at 2 for users, courses and categories
(id 1 is the guest user, the site course, the default category) and at 1 for cohorts and
groups. Ids used by a rolled-back batch are not reused. The token's user is "wsuser" (id 1,
not in ``users``). Roles 3, 4 and 5 may be assigned.

``calls`` lists every request that reached the endpoint, faulted ones included ("down" and
"timeout" too), as ``(wsfunction, params)`` without the ``ws*`` control fields.

Transports: ``transport()`` answers in process ("down" raises ``httpx.ConnectError`` and
"timeout" ``httpx.ReadTimeout`` at once); ``serve()`` listens on a loopback port ("down" closes
the connection unanswered, so httpx raises ``RemoteProtocolError``; "timeout" waits ``delay``
seconds first). A timed-out or dropped call is not processed. ``latency`` is slept on every
call by both. Faults queue up (``fail`` appends, each call takes the first that matches).

Helpers besides the state: ``add_category``, ``add_course``, ``add_user``, ``enrol`` (they go
through the real function, so the records are those a call would make) and ``invoke`` (run a
function without HTTP); ``tests.fakes.moodle.forms`` builds requests by hand.
"""

from .errors import MoodleException
from .server import FakeMoodle

__all__ = ["FakeMoodle", "MoodleException"]
