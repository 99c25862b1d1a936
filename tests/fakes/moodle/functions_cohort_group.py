"""Cohorts, groups and course completion."""

from __future__ import annotations

from .errors import InvalidParameter, missing_record, moodle_error
from .params import Multiple, Single, Value, clean, default, opt
from .store import STUDENT_ROLE, SYSTEM_CONTEXT_ID, Store, function

CATEGORY_CONTEXT_BASE = 1000  # contextid of category N is 1000 + N
COURSE_CONTEXT_BASE = 100000  # contextid of course N is 100000 + N
COHORT_FIELDS = ("id", "name", "idnumber", "description", "descriptionformat", "visible", "theme")
GROUP_FIELDS = (
    "id", "courseid", "name", "description", "descriptionformat",
    "enrolmentkey", "idnumber", "visibility", "participation",
)  # fmt: skip
TYPE_SELF = 1


# --- Cohorts -------------------------------------------------------------------------------------


@function(
    "core_cohort_create_cohorts",
    {
        "cohorts": Multiple(
            Single(
                {
                    "categorytype": Single({"type": Value("text"), "value": Value("raw")}),
                    "name": Value("raw"),
                    "idnumber": Value("raw"),
                    "description": opt(Value("raw")),
                    "descriptionformat": default(Value("int"), 1),
                    "visible": opt(Value("bool")),
                    "theme": opt(Value("plugin")),
                    "customfields": opt(Multiple(Single({"shortname": Value("alphanumext"), "value": Value("raw")}))),
                }
            )
        )
    },
    writes=True,
)
def create_cohorts(store: Store, params: dict) -> list[dict]:
    created = []
    for item in params["cohorts"]:
        kind, value = item["categorytype"]["type"], item["categorytype"]["value"]
        if kind not in ("idnumber", "id", "system"):
            raise InvalidParameter(f"category type must be id, idnumber or system:{kind}")
        if kind == "system":
            contextid = SYSTEM_CONTEXT_ID
        else:
            wanted = clean(value, "int") if kind == "id" else value
            found = [c["id"] for c in store.categories.values() if c[kind] == wanted and wanted != ""]
            if not found:
                raise InvalidParameter(f"category not exists: category {kind} = {value}")
            contextid = CATEGORY_CONTEXT_BASE + found[0]
        if any(c["idnumber"] == item["idnumber"] for c in store.cohorts.values()):
            raise InvalidParameter(f"record already exists: idnumber={item['idnumber']}")
        cohortid = store.new_id("cohort", store.cohorts)
        cohort = {
            "id": cohortid,
            "name": item["name"],
            "idnumber": item["idnumber"],
            "description": item.get("description", ""),
            "descriptionformat": item["descriptionformat"],
            "visible": item.get("visible", True),
            "theme": item.get("theme", ""),
            "contextid": contextid,
        }
        store.cohorts[cohortid] = cohort
        created.append({k: cohort[k] for k in COHORT_FIELDS})
    return created


def _context_chain(store: Store, context: dict) -> list[int] | None:
    """The context the parameters name and its parents (self first), or None when it does not exist."""
    if context["contextid"]:
        contextid = context["contextid"]
    elif context["contextlevel"]:
        level, instance = context["contextlevel"], context["instanceid"]
        if level not in ("system", "user", "coursecat", "course", "module", "block"):
            raise InvalidParameter(f"Invalid context level = {level}")
        bases = {"system": None, "coursecat": CATEGORY_CONTEXT_BASE, "course": COURSE_CONTEXT_BASE}
        if level not in bases:
            return None
        contextid = SYSTEM_CONTEXT_ID if level == "system" else bases[level] + instance
    else:
        raise InvalidParameter("Missing parameters, please provide either context level with instance id or contextid")
    if contextid == SYSTEM_CONTEXT_ID:
        return [SYSTEM_CONTEXT_ID]
    if contextid > COURSE_CONTEXT_BASE:
        course = store.courses.get(contextid - COURSE_CONTEXT_BASE)
        if course is None:
            return None
        chain = _context_chain(store, {"contextid": CATEGORY_CONTEXT_BASE + course["categoryid"]}) or []
        return [contextid, *chain]
    category = store.categories.get(contextid - CATEGORY_CONTEXT_BASE)
    if category is None:
        return None
    parents = [CATEGORY_CONTEXT_BASE + int(c) for c in reversed(category["path"].strip("/").split("/"))]
    return [*parents, SYSTEM_CONTEXT_ID]


@function(
    "core_cohort_search_cohorts",
    {
        "query": Value("raw"),
        "context": Single(
            {
                "contextid": default(Value("int"), 0),
                "contextlevel": default(Value("alpha"), ""),
                "instanceid": default(Value("int"), 0),
            }
        ),
        "includes": default(Value("alpha"), "parents"),
        "limitfrom": default(Value("int"), 0),
        "limitnum": default(Value("int"), 25),
    },
)
def search_cohorts(store: Store, params: dict) -> dict:
    chain = _context_chain(store, params["context"])
    if chain is None:
        raise InvalidParameter("Context does not exist")
    includes = params["includes"]
    if includes not in ("all", "parents", "self"):
        raise InvalidParameter("Invalid parameter value for 'includes'.")
    query = params["query"].lower()
    cohorts = [
        c
        for c in store.cohorts.values()
        if (includes == "all" or c["contextid"] in (chain if includes == "parents" else chain[:1]))
        and any(query in c[k].lower() for k in ("name", "idnumber", "description"))
    ]
    cohorts.sort(key=lambda c: (c["name"], c["id"]))
    start = params["limitfrom"]
    cohorts = cohorts[start : start + params["limitnum"]] if params["limitnum"] else cohorts[start:]
    return {"cohorts": [{k: c[k] for k in COHORT_FIELDS} for c in cohorts]}


@function(
    "core_cohort_add_cohort_members",
    {
        "members": Multiple(
            Single(
                {
                    "cohorttype": Single({"type": Value("alphanumext"), "value": Value("raw")}),
                    "usertype": Single({"type": Value("alphanumext"), "value": Value("raw")}),
                }
            )
        )
    },
    writes=True,
)
def add_cohort_members(store: Store, params: dict) -> dict:
    warnings = []
    for item in params["members"]:
        ctype, cvalue = item["cohorttype"]["type"], item["cohorttype"]["value"]
        utype, uvalue = item["usertype"]["type"], item["usertype"]["value"]
        if ctype not in ("id", "idnumber"):
            warnings.append({"warningcode": "1", "message": f"invalid parameter: cohortype={ctype}"})
            continue
        if utype not in ("id", "username"):
            warnings.append({"warningcode": "1", "message": f"invalid parameter: usertype={utype}"})
            continue
        cwanted = clean(cvalue, "int") if ctype == "id" else cvalue
        cohortid = next((c["id"] for c in store.cohorts.values() if c[ctype] == cwanted), None)
        if cohortid is None:
            warnings.append({"warningcode": "2", "message": f"cohort {ctype}={cvalue} not exists"})
            continue
        uwanted = clean(uvalue, "int") if utype == "id" else uvalue
        userid = next((u["id"] for u in store.users.values() if u[utype] == uwanted), None)
        if userid is None:
            warnings.append({"warningcode": "2", "message": f"user {utype}={uvalue} not exists"})
            continue
        if (cohortid, userid) in store.cohort_members:
            message = f"record already exists: cohort({ctype}={cvalue} {utype}={uvalue})"
            warnings.append({"warningcode": "3", "message": message})
            continue
        store.cohort_members.add((cohortid, userid))
    return {"warnings": warnings}


# --- Groups --------------------------------------------------------------------------------------


@function(
    "core_group_create_groups",
    {
        "groups": Multiple(
            Single(
                {
                    "courseid": Value("int"),
                    "name": Value("text"),
                    "description": Value("raw"),
                    "descriptionformat": default(Value("int"), 1),
                    "enrolmentkey": opt(Value("raw")),
                    "idnumber": opt(Value("raw")),
                    "visibility": opt(Value("int")),
                    "participation": opt(Value("bool")),
                    "customfields": opt(Multiple(Single({"shortname": Value("alphanumext"), "value": Value("raw")}))),
                }
            )
        )
    },
    writes=True,
)
def create_groups(store: Store, params: dict) -> list[dict]:
    created = []
    for item in params["groups"]:
        if not item["name"].strip():
            raise InvalidParameter("Invalid group name")
        in_course = [g for g in store.groups.values() if g["courseid"] == item["courseid"]]
        if any(g["name"] == item["name"] for g in in_course):
            raise InvalidParameter("Group with the same name already exists in the course")
        store.course(item["courseid"])
        if item.get("idnumber") and any(g["idnumber"] == item["idnumber"] for g in in_course):
            raise moodle_error("idnumbertaken", "This ID number is already taken")
        groupid = store.new_id("group", store.groups)
        group = {
            "id": groupid,
            "courseid": item["courseid"],
            "name": item["name"],
            "description": item["description"],
            "descriptionformat": item["descriptionformat"],
            "enrolmentkey": item.get("enrolmentkey", ""),
            "idnumber": item.get("idnumber", ""),
            "visibility": item.get("visibility", 0),
            "participation": item.get("participation", True),
        }
        store.groups[groupid] = group
        created.append(dict(group))
    return created


@function("core_group_get_course_groups", {"courseid": Value("int")})
def get_course_groups(store: Store, params: dict) -> list[dict]:
    store.course(params["courseid"])
    groups = [g for g in store.groups.values() if g["courseid"] == params["courseid"]]
    return [{k: g[k] for k in GROUP_FIELDS} for g in sorted(groups, key=lambda g: (g["name"], g["id"]))]


@function(
    "core_group_add_group_members",
    {"members": Multiple(Single({"groupid": Value("int"), "userid": Value("int")}))},
    writes=True,
)
def add_group_members(store: Store, params: dict) -> None:
    for item in params["members"]:
        group = store.groups.get(item["groupid"])
        if group is None:
            raise missing_record("groups")
        store.user(item["userid"])
        if (group["courseid"], item["userid"]) not in store.enrolments:
            raise InvalidParameter("Only enrolled users may be members of groups")
        store.group_members.add((group["id"], item["userid"]))


# --- Completion ----------------------------------------------------------------------------------


@function("core_completion_get_course_completion_status", {"courseid": Value("int"), "userid": Value("int")})
def get_course_completion_status(store: Store, params: dict) -> dict:
    course = store.course(params["courseid"])
    store.user(params["userid"])
    key = (course["id"], params["userid"])
    if not course["enablecompletion"]:
        raise moodle_error("cannotviewreport", "You cannot view this report")
    # Only active students are tracked (moodle/course:isincompletionreports).
    enrolment = store.enrolments.get(key)
    if not store.is_active(*key) or enrolment["roleid"] != STUDENT_ROLE:
        raise moodle_error("usernotenroled", "User is not enrolled in this course")
    if course["id"] not in store.completion_criteria:
        raise moodle_error("nocriteriaset", "No completion criteria set for this course")
    timecompleted = store.completions.get(key)
    done = timecompleted is not None
    criterion = {
        "type": TYPE_SELF,
        "title": "Self completion",
        "status": "Yes" if done else "No",
        "complete": done,
        "timecompleted": timecompleted,
        "details": {
            "type": "Self completion",
            "criteria": "Self completion",
            "requirement": "Marking yourself complete",
            "status": "",
        },
    }
    return {"completionstatus": {"completed": done, "aggregation": 1, "completions": [criterion]}, "warnings": []}
