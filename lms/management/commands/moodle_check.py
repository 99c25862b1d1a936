"""Check that Moodle is reachable and set up for the export, and say what to fix.

    manage.py moodle_check

Asks Moodle who it is (``core_webservice_get_site_info``, through the LMS seam), then
checks that the token's service holds every function the platform calls and that
``MOODLE_STUDENT_ROLE_ID`` looks like the student role. Each misconfiguration gets
one sentence saying what to change, where. Exit status 0 when everything is fine,
1 otherwise.
"""

from __future__ import annotations

import re
from typing import NoReturn

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lms import backends
from lms.backends.base import LmsBackend
from lms.moodle import errors
from lms.moodle.errors import MoodleError, TransientError

# Every function the platform calls: MOODLE.md's table.
REQUIRED_FUNCTIONS = (
    "core_webservice_get_site_info",
    "core_course_get_categories",
    "core_course_create_categories",
    "core_course_get_courses_by_field",
    "core_course_create_courses",
    "core_course_update_courses",
    "core_user_get_users_by_field",
    "core_user_create_users",
    "core_user_update_users",
    "enrol_manual_enrol_users",
    "enrol_manual_unenrol_users",
    "core_enrol_get_enrolled_users",
    "core_cohort_create_cohorts",
    "core_cohort_search_cohorts",
    "core_cohort_add_cohort_members",
    "core_group_create_groups",
    "core_group_get_course_groups",
    "core_group_add_group_members",
    "core_completion_get_course_completion_status",
)
STUDENT_ROLE_ID = 5
# Roles of a default installation that must not be given to learners.
STAFF_ROLES = {1: "manager", 3: "editing teacher", 4: "teacher"}

TOKEN_ERRORCODES = frozenset({"invalidtoken", "invalidtimedtoken", "invalidiptoken"})
WEB_SERVICES_OFF_ERRORCODES = frozenset({"webservicesnotenabled", "enablewsdescription", "wsauthnotenabled"})
WS_USER_ERRORCODES = frozenset(
    {
        "wsaccessuserdeleted",
        "wsaccessuserunconfirmed",
        "wsaccessusersuspended",
        "wsaccessuserexpired",
        "wsaccessusernologin",
        "forcepasswordchangenotice",
        "usernotfullysetup",
    }
)
SERVICE_PATH = gettext_lazy("Site administration > Server > Web services > External services")


def diagnose(error: MoodleError) -> str:
    """What to fix, for an error Moodle gave (or the client raised) on the first call.

    Branches on the error code: Moodle's, or ours (``allys:…``) for failures at the HTTP level.
    """
    code, text = error.errorcode, " ".join(error.message.split())  # one line, even for an HTML excerpt
    if code in TOKEN_ERRORCODES:
        return _(
            "Moodle does not know this token (%(code)s): check MOODLE_TOKEN against Site administration > Server > "
            "Web services > Manage tokens (it may have expired or be restricted to other IP addresses)."
        ) % {"code": code}
    if code == "accessexception":
        return (
            _(
                "The token's service does not include core_webservice_get_site_info, or its user lacks a "
                "capability (accessexception): add the functions to the service in %s, and give its user the "
                "capabilities they need."
            )
            % SERVICE_PATH
        )
    if code in WEB_SERVICES_OFF_ERRORCODES:
        return _("Web services are disabled (%s): enable them in Site administration > Advanced features.") % code
    if code == "servicenotavailable":
        return _("The token's external service is disabled: enable it in %s.") % SERVICE_PATH
    if code in WS_USER_ERRORCODES:
        return _("The token's user cannot log in (%s): check the account in Moodle (suspended, deleted…).") % code
    if code == "sitemaintenance":
        return _("Moodle is in maintenance mode: try again when it is over.")
    if code == errors.HTTP_REDIRECT:
        location = re.search(r"redirected to (\S+)", text)
        return _(
            "Moodle redirected the call to %s, so MOODLE_URL is not Moodle's wwwroot: copy scheme, host and path "
            "from $CFG->wwwroot in Moodle's config.php."
        ) % (location.group(1) if location else "?")
    if code == errors.HTTP_FORBIDDEN:
        return _(
            "Moodle answered 403 Forbidden: web services or the REST protocol are disabled. Enable web services "
            "in Site administration > Advanced features, and REST in Site administration > Server > Web services > "
            "Manage protocols."
        )
    if code == errors.HTTP_NOT_JSON:
        return (
            _(
                "MOODLE_URL answers with something other than Moodle's web services (an HTML page): it is not a Moodle "
                "site, or Moodle is in maintenance mode. %s"
            )
            % text
        )
    if code == errors.HTTP_TIMEOUT:
        return (
            _(
                "Moodle did not answer in time: check that the server is up, or raise MOODLE_CONNECT_TIMEOUT / "
                "MOODLE_READ_TIMEOUT. %s"
            )
            % text
        )
    if code and not code.startswith("allys:"):
        return _("Moodle refused the call: %s") % error
    if isinstance(error, TransientError):
        return _("Check MOODLE_URL and the network: %s") % text
    return _("Check MOODLE_URL: %s") % text


def role_check(role_id: int) -> tuple[bool, str]:
    """(looks right, the sentence to print) for the configured student role id."""
    caveat = _("A heuristic: the web services cannot list roles.")
    if role_id == STUDENT_ROLE_ID:
        return True, _("MOODLE_STUDENT_ROLE_ID=%(id)d is the student role on a default installation. %(caveat)s") % {
            "id": role_id,
            "caveat": caveat,
        }
    if role_id in STAFF_ROLES:
        return False, _(
            "MOODLE_STUDENT_ROLE_ID=%(id)d is the %(role)s role on a default installation: learners would get staff "
            "rights. Use the student role (5 by default). %(caveat)s"
        ) % {"id": role_id, "role": STAFF_ROLES[role_id], "caveat": caveat}
    return True, _(
        "MOODLE_STUDENT_ROLE_ID=%(id)d is not the default student role (5): make sure it is a student-like role "
        "in Site administration > Users > Permissions > Define roles. %(caveat)s"
    ) % {"id": role_id, "caveat": caveat}


class Command(BaseCommand):
    help = "Check the Moodle connection, the token's functions and the student role."

    def handle(self, *args, **options) -> None:
        try:
            backend = backends.get_backend()
        except ValueError as error:  # an unknown LMS_BACKEND
            raise CommandError(str(error)) from None
        except MoodleError as error:
            self.fail(self.settings_problem() or str(error))
        if backend is None:
            self.stdout.write(_("The Moodle export is off (ALLYS_LMS_BACKEND=off): nothing to check."))
            return
        if backend.name != "moodle":
            self.stdout.write(
                _("The LMS backend is %s, which needs no setup: set ALLYS_LMS_BACKEND=moodle to check a Moodle.")
                % backend.name
            )
            return
        if not self.check(backend):
            raise SystemExit(1)

    def check(self, backend: LmsBackend) -> bool:
        try:
            with translation.override("en"):
                info = backend.site_info()
        except MoodleError as error:
            self.fail(diagnose(error))
        self.stdout.write(_("Moodle site: %s") % info.sitename)
        self.stdout.write(_("URL: %s") % info.siteurl)
        self.stdout.write(_("Release: %(release)s (version %(version)s)") % vars(info))
        self.stdout.write(_("Web-service user: %s") % info.username)

        ok = True
        missing = [name for name in REQUIRED_FUNCTIONS if name not in set(info.functions)]
        if missing:
            ok = False
            self.stdout.write(
                "ERROR "
                + ngettext(
                    "%(count)d function is missing from the token's service; add it in %(path)s > Functions:",
                    "%(count)d functions are missing from the token's service; add them in %(path)s > Functions:",
                    len(missing),
                )
                % {"count": len(missing), "path": SERVICE_PATH}
            )
            for name in missing:
                self.stdout.write(f"  - {name}")
        else:
            self.stdout.write(
                "OK " + _("The token's service has the %d functions the platform uses.") % len(REQUIRED_FUNCTIONS)
            )

        role_id = int(getattr(backend, "student_role_id", settings.MOODLE_STUDENT_ROLE_ID))
        role_ok, sentence = role_check(role_id)
        ok = ok and role_ok
        self.stdout.write(("OK " if role_ok else "WARNING ") + sentence)
        self.stdout.write(_("Moodle is ready for the export.") if ok else _("Fix the problems above, then run again."))
        return ok

    def settings_problem(self) -> str:
        """The first Moodle setting left empty, said plainly."""
        if not getattr(settings, "MOODLE_URL", ""):
            return _("MOODLE_URL is not set: set it to Moodle's wwwroot, e.g. https://moodle.example.org.")
        if not getattr(settings, "MOODLE_TOKEN", ""):
            return _(
                "MOODLE_TOKEN is not set: create a token for the web-service user in Site administration > Server > "
                "Web services > Manage tokens."
            )
        return ""

    def fail(self, message: str) -> NoReturn:
        self.stderr.write("ERROR " + message)
        raise SystemExit(1)
