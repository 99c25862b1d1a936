"""Users and manual enrolments."""

from __future__ import annotations

import re

from .errors import InvalidParameter, MoodleException, moodle_error
from .params import AUTHS, INTERNAL_AUTHS, Multiple, Single, Value, clean, default, is_email, opt
from .store import ASSIGNABLE_ROLES, ROLES, Store, function

USER_FIELDS = {
    "createpassword": opt(Value("bool")),
    "username": Value("username"),
    "auth": default(Value("plugin"), "manual"),
    "password": opt(Value("raw")),
    "firstname": Value("notags"),
    "lastname": Value("notags"),
    "email": Value("rawtrimmed"),
    "maildisplay": opt(Value("int")),
    "city": opt(Value("notags")),
    "country": opt(Value("alpha")),
    "timezone": opt(Value("timezone")),
    "description": opt(Value("raw")),
    "firstnamephonetic": opt(Value("notags")),
    "lastnamephonetic": opt(Value("notags")),
    "middlename": opt(Value("notags")),
    "alternatename": opt(Value("notags")),
    "interests": opt(Value("raw")),
    "idnumber": default(Value("raw"), ""),
    "institution": opt(Value("text")),
    "department": opt(Value("text")),
    "phone1": opt(Value("notags")),
    "phone2": opt(Value("notags")),
    "address": opt(Value("text")),
    "lang": default(Value("lang"), "en"),
    "calendartype": opt(Value("plugin")),
    "theme": opt(Value("plugin")),
    "mailformat": opt(Value("int")),
    "customfields": opt(Multiple(Single({"type": Value("alphanumext"), "value": Value("raw")}))),
    "preferences": opt(Multiple(Single({"type": Value("raw"), "value": Value("raw")}))),
}
UPDATE_FIELDS = {
    "id": Value("int"),
    "suspended": opt(Value("bool")),
    "userpicture": opt(Value("int")),
    **{name: opt(desc) for name, desc in USER_FIELDS.items() if name != "createpassword"},
}
STORED = {name for name in USER_FIELDS if name not in ("createpassword", "customfields", "preferences")}


def password_errors(password: str) -> str:
    """Moodle's default policy: one ``<div>`` per failed rule, as ``check_password_policy`` builds it."""
    rules = [
        (len(password) >= 8, "Passwords must be at least 8 characters long."),
        (re.search(r"\d", password), "Passwords must have at least 1 digit(s)."),
        (re.search(r"[a-z]", password), "Passwords must have at least 1 lower case letter(s)."),
        (re.search(r"[A-Z]", password), "Passwords must have at least 1 upper case letter(s)."),
        (
            re.search(r"[^a-zA-Z0-9]", password),
            "Passwords must have at least 1 special character(s) such as as *, -, or #.",
        ),
    ]
    return "".join(f"<div>{message}</div>" for passed, message in rules if not passed)


def _policy_error(html: str) -> MoodleException:
    # moodle_exception($errmsg): the errorcode is the HTML and no string exists for it.
    return moodle_error(html, f"error/{html}")


def _email_taken(store: Store, email: str, userid: int | None = None) -> bool:
    return any(u["email"].lower() == email.lower() for u in store.users.values() if u["id"] != userid)


@function("core_user_create_users", {"users": Multiple(Single(USER_FIELDS))}, writes=True)
def create_users(store: Store, params: dict) -> list[dict]:
    created = []
    usernames = {u["username"] for u in store.users.values()}
    emails = {u["email"].lower() for u in store.users.values()}
    idnumbers = {u.get("idnumber") for u in store.users.values()} - {"", None}
    for item in params["users"]:
        for name in ("username", "firstname", "lastname"):
            if not item[name].strip():
                raise InvalidParameter(f"The field {name} cannot be blank")
        if item["username"] in usernames:
            raise InvalidParameter(f"Username already exists: {item['username']}")
        if item["auth"] not in AUTHS:
            raise InvalidParameter(f"Invalid authentication type: {item['auth']}")
        internal = item["auth"] in INTERNAL_AUTHS
        if internal and not item.get("password") and not item.get("createpassword"):
            raise InvalidParameter("Invalid password: you must provide a password, or set createpassword.")
        if not is_email(item["email"]):
            raise InvalidParameter(f"Email address is invalid: {item['email']}")
        if item["email"].lower() in emails:
            raise InvalidParameter(f"Email address already exists: {item['email']}")
        # Moodle itself accepts duplicate user idnumbers; the project relies on them being unique.
        if item["idnumber"] in idnumbers:
            raise InvalidParameter(f"ID number already exists: {item['idnumber']}")
        if internal and not item.get("createpassword") and (errors := password_errors(item["password"])):
            raise _policy_error(errors)
        userid = store.new_id("user", store.users)
        user = {"id": userid, "suspended": 0, **{k: v for k, v in item.items() if k in STORED}}
        if item.get("createpassword") or not internal:
            user["password"] = ""
        store.users[userid] = user
        usernames.add(user["username"])
        emails.add(user["email"].lower())
        idnumbers.add(user["idnumber"] or None)
        created.append({"id": userid, "username": user["username"]})
    return created


@function("core_user_update_users", {"users": Multiple(Single(UPDATE_FIELDS))}, writes=True)
def update_users(store: Store, params: dict) -> dict:
    warnings = []
    for item in params["users"]:
        try:
            old = store.users.get(item["id"])
            if old is None:
                raise moodle_error("invaliduserid", "Invalid user id")
            if "email" in item and item["email"] != old["email"]:
                if not is_email(item["email"]):
                    raise moodle_error("useremailinvalid", "Invalid email address")
                if _email_taken(store, item["email"], old["id"]):
                    raise moodle_error("useremailduplicate", "Duplicate address")
            if item.get("username", old["username"]) != old["username"] and any(
                u["username"] == item["username"] for u in store.users.values()
            ):
                raise moodle_error("usernameexists", "This username already exists, choose another")
            if "password" in item and (errors := password_errors(item["password"])):
                raise _policy_error(errors)
            changes = {k: v for k, v in item.items() if k in STORED}
            if "suspended" in item:
                changes["suspended"] = int(item["suspended"])
            store.users[old["id"]] = {**old, **changes}
        except MoodleException as error:
            warnings.append(
                {"item": "user", "itemid": item["id"], "warningcode": error.errorcode, "message": error.message}
            )
    return {"warnings": warnings}


@function(
    "core_user_get_users_by_field",
    {"field": Value("alpha"), "values": Multiple(Value("raw"))},
)
def get_users_by_field(store: Store, params: dict) -> list[dict]:
    field = params["field"]
    types = {"id": "int", "idnumber": "raw", "username": "raw", "email": "email"}
    if field not in types:
        raise InvalidParameter(f"The search field '{field}' is not supported, look at the web service documentation")
    wanted = set()
    for value in params["values"]:
        cleaned = clean(value, types[field])
        if str(cleaned) != value:
            raise InvalidParameter(f"The field '{field}' value is invalid: {value}(cleaned value: {cleaned})")
        wanted.add(cleaned)
    users = sorted((u for u in store.users.values() if u.get(field, "") in wanted), key=lambda u: u["id"])
    return [store.user_details(u) for u in users]


# --- Manual enrolment ------------------------------------------------------------------------------


@function(
    "enrol_manual_enrol_users",
    {
        "enrolments": Multiple(
            Single(
                {
                    "roleid": Value("int"),
                    "userid": Value("int"),
                    "courseid": Value("int"),
                    "timestart": opt(Value("int")),
                    "timeend": opt(Value("int")),
                    "suspend": opt(Value("int")),
                }
            )
        )
    },
    writes=True,
)
def enrol_users(store: Store, params: dict) -> None:
    for item in params["enrolments"]:
        store.course(item["courseid"])
        if item["roleid"] not in ASSIGNABLE_ROLES:
            raise moodle_error(
                "wsusercannotassign",
                f"You don't have the permission to assign this role ({item['roleid']}) to this user "
                f"({item['userid']}) in this course({item['courseid']}).",
            )
        if not store.manual_enrol.get(item["courseid"]):
            raise moodle_error(
                "wsnoinstance",
                "Manual enrolment plugin instance doesn't exist or is disabled for the course "
                f"(id = {item['courseid']})",
            )
        store.user(item["userid"])
        store.enrolments[(item["courseid"], item["userid"])] = {
            "roleid": item["roleid"],
            "timestart": item.get("timestart", 0),
            "timeend": item.get("timeend", 0),
            "suspend": 1 if item.get("suspend") else 0,
        }


@function(
    "enrol_manual_unenrol_users",
    {"enrolments": Multiple(Single({"userid": Value("int"), "courseid": Value("int"), "roleid": opt(Value("int"))}))},
    writes=True,
)
def unenrol_users(store: Store, params: dict) -> None:
    for item in params["enrolments"]:
        store.course(item["courseid"])
        # The instance is looked up whatever its status: unenrolling from a disabled one works.
        if item["courseid"] not in store.manual_enrol:
            raise moodle_error("wsnoinstance", "Manual enrolment plugin instance doesn't exist or is disabled")
        if item["userid"] not in store.users:
            raise InvalidParameter(f"User id not exist: {item['userid']}")
        store.enrolments.pop((item["courseid"], item["userid"]), None)
        store.group_members -= {
            (groupid, item["userid"]) for groupid, g in store.groups.items() if g["courseid"] == item["courseid"]
        }


@function(
    "core_enrol_get_enrolled_users",
    {
        "courseid": Value("int"),
        "options": default(Multiple(Single({"name": Value("alphanumext"), "value": Value("raw")})), []),
    },
)
def get_enrolled_users(store: Store, params: dict) -> list[dict]:
    courseid = params["courseid"]
    store.course(courseid)
    options = {"onlyactive": False, "onlysuspended": False, "userfields": None, "limitfrom": 0, "limitnumber": 0}
    for option in params["options"]:
        name, value = option["name"], option["value"]
        if name in ("onlyactive", "onlysuspended"):
            options[name] = value not in ("", "0")
        elif name in ("limitfrom", "limitnumber"):
            options[name] = clean(value, "int")
        elif name == "userfields":
            options[name] = {f.strip() for f in value.split(",")} | {"id"}
    users = []
    for (enrolled_course, userid), enrolment in sorted(store.enrolments.items(), key=lambda e: e[0][1]):
        active = store.is_active(courseid, userid)
        if enrolled_course != courseid or (options["onlyactive"] and not active):
            continue
        if options["onlysuspended"] and active:
            continue
        users.append(_enrolled_user(store, courseid, store.users[userid], enrolment))
    start = options["limitfrom"]
    users = users[start : start + options["limitnumber"]] if options["limitnumber"] else users[start:]
    if options["userfields"] is not None:
        users = [{k: v for k, v in user.items() if k in options["userfields"]} for user in users]
    return users


def _enrolled_user(store: Store, courseid: int, user: dict, enrolment: dict) -> dict:
    roleid = enrolment["roleid"]
    groups = [g for gid, g in sorted(store.groups.items()) if (gid, user["id"]) in store.group_members]
    courses = [store.courses[c] for (c, u) in sorted(store.enrolments) if u == user["id"] and c in store.courses]
    return store.user_details(user) | {
        "roles": [{"roleid": roleid, "name": "", "shortname": ROLES[roleid], "sortorder": 0}],
        "groups": [
            {k: g[k] for k in ("id", "name", "description", "descriptionformat")}
            for g in groups
            if g["courseid"] == courseid
        ],
        "enrolledcourses": [{"id": c["id"], "fullname": c["fullname"], "shortname": c["shortname"]} for c in courses],
    }
