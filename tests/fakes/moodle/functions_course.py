"""Site information, course categories and courses."""

from __future__ import annotations

import time

from .errors import InvalidParameter, MoodleException, missing_record, moodle_error
from .params import LANGS, Multiple, Single, Value, clean, default, opt
from .store import SITE_COURSE_ID, Store, function

YEAR = 365 * 24 * 3600
FORMAT_OPTIONS = Multiple(Single({"name": Value("alphanumext"), "value": Value("raw")}))
CUSTOM_FIELDS = Multiple(Single({"shortname": Value("alphanumext"), "value": Value("raw")}))
COURSE_FIELDS = {
    "fullname": Value("text"),
    "shortname": Value("text"),
    "categoryid": Value("int"),
    "idnumber": opt(Value("raw")),
    "summary": opt(Value("raw")),
    "summaryformat": default(Value("int"), 1),
    "format": default(Value("plugin"), "topics"),
    "showgrades": default(Value("int"), 1),
    "newsitems": default(Value("int"), 5),
    "startdate": opt(Value("int")),
    "enddate": opt(Value("int")),
    "numsections": opt(Value("int")),
    "maxbytes": default(Value("int"), 0),
    "showreports": default(Value("int"), 0),
    "visible": opt(Value("int")),
    "hiddensections": opt(Value("int")),
    "groupmode": default(Value("int"), 0),
    "groupmodeforce": default(Value("int"), 0),
    "defaultgroupingid": default(Value("int"), 0),
    "enablecompletion": opt(Value("int")),
    "completionnotify": opt(Value("int")),
    "lang": opt(Value("alphanumext")),
    "forcetheme": opt(Value("plugin")),
    "courseformatoptions": opt(FORMAT_OPTIONS),
    "customfields": opt(CUSTOM_FIELDS),
}
UPDATE_FIELDS = {"id": Value("int")} | {name: opt(desc) for name, desc in COURSE_FIELDS.items()}


@function("core_webservice_get_site_info", {"serviceshortnames": default(Multiple(Value("alpha")), [])})
def get_site_info(store: Store, params: dict) -> dict:
    site = store.site
    return {
        "sitename": "Moodle (fake)",
        "username": "wsuser",
        "firstname": "Web",
        "lastname": "Service",
        "fullname": "Web Service",
        "lang": "en",
        "userid": 1,
        "siteurl": site.wwwroot,
        "userpictureurl": f"{site.wwwroot}/theme/image.php/boost/core/1/u/f1",
        "functions": [{"name": name, "version": site.version} for name in sorted(site.functions)],
        "downloadfiles": 1,
        "uploadfiles": 1,
        "release": site.release,
        "version": site.version,
        "mobilecssurl": "",
        "advancedfeatures": [{"name": "usecomments", "value": 1}],
        "usercanmanageownfiles": True,
        "userquota": 0,
        "usermaxuploadfilesize": -1,
        "userhomepage": 1,
        "siteid": SITE_COURSE_ID,
        "sitecalendartype": "gregorian",
        "usercalendartype": "gregorian",
        "userissiteadmin": False,
        "theme": "boost",
    }


# --- Categories --------------------------------------------------------------------------------


def category_record(store: Store, catid: int, name: str, parent: int, **fields) -> dict:
    parent_record = store.categories.get(parent)
    return {
        "id": catid,
        "name": name,
        "idnumber": fields.get("idnumber") or "",
        "description": fields.get("description") or "",
        "descriptionformat": fields.get("descriptionformat", 1),
        "parent": parent,
        "visible": 1,
        "theme": fields.get("theme") or "",
        "timemodified": int(time.time()),
        "depth": parent_record["depth"] + 1 if parent_record else 1,
        "path": f"{parent_record['path'] if parent_record else ''}/{catid}",
    }


def _sortorders(store: Store) -> dict[int, int]:
    """Categories in tree order (children after their parent, siblings by creation)."""
    order: dict[int, int] = {}

    def walk(parent: int) -> None:
        for catid in sorted(c for c, cat in store.categories.items() if cat["parent"] == parent):
            order[catid] = (len(order) + 1) * 10000
            walk(catid)

    walk(0)
    return order


@function(
    "core_course_get_categories",
    {
        "criteria": default(Multiple(Single({"key": Value("alpha"), "value": Value("raw")})), []),
        "addsubcategories": default(Value("bool"), True),
    },
)
def get_categories(store: Store, params: dict) -> list[dict]:
    conditions: dict[str, object] = {}
    for criterion in params["criteria"]:
        key = criterion["key"].strip()
        if key in conditions:
            continue
        if key in ("id", "parent", "visible"):
            conditions[key] = clean(criterion["value"], "int")
        elif key == "ids":
            conditions[key] = {int(i) for i in clean(criterion["value"], "sequence").split(",") if i}
        elif key in ("idnumber", "name", "theme"):
            conditions[key] = criterion["value"] if key != "name" else clean(criterion["value"], "text")
        else:
            raise InvalidParameter(f"The search key '{key}' is not supported, look at the web service documentation")

    def matches(category: dict) -> bool:
        if "ids" in conditions and category["id"] not in conditions["ids"]:
            return False
        return all(category[key] == value for key, value in conditions.items() if key != "ids")

    found = {catid for catid, category in store.categories.items() if matches(category)}
    if params["addsubcategories"]:
        paths = [store.categories[catid]["path"] + "/" for catid in found]
        found |= {c for c, cat in store.categories.items() if any(cat["path"].startswith(p) for p in paths)}
    sortorders = _sortorders(store)
    result = []
    for catid in sorted(found, key=sortorders.__getitem__):
        category = store.categories[catid]
        coursecount = sum(1 for course in store.courses.values() if course["categoryid"] == catid)
        result.append(
            {
                **{k: category[k] for k in ("id", "name", "idnumber", "description", "descriptionformat", "parent")},
                "sortorder": sortorders[catid],
                "coursecount": coursecount,
                "visible": category["visible"],
                "visibleold": category["visible"],
                **{k: category[k] for k in ("timemodified", "depth", "path", "theme")},
            }
        )
    return result


@function(
    "core_course_create_categories",
    {
        "categories": Multiple(
            Single(
                {
                    "name": Value("text"),
                    "parent": default(Value("int"), 0),
                    "idnumber": opt(Value("raw")),
                    "description": opt(Value("raw")),
                    "descriptionformat": default(Value("int"), 1),
                    "theme": opt(Value("plugin")),
                }
            )
        )
    },
    writes=True,
)
def create_categories(store: Store, params: dict) -> list[dict]:
    created = []
    for item in params["categories"]:
        if item["parent"] and item["parent"] not in store.categories:
            raise moodle_error("unknowcategory", "Unknown category")
        if not item["name"].strip():
            raise moodle_error("categorynamerequired", "The category name is required")
        idnumber = item.get("idnumber") or ""
        if idnumber and any(c["idnumber"] == idnumber for c in store.categories.values()):
            raise moodle_error("categoryidnumbertaken", "ID number is already used for another category")
        catid = store.new_id("category", store.categories)
        fields = {k: item[k] for k in ("idnumber", "description", "descriptionformat", "theme") if k in item}
        store.categories[catid] = category_record(store, catid, item["name"], item["parent"], **fields)
        created.append({"id": catid, "name": item["name"]})
    return created


# --- Courses -------------------------------------------------------------------------------------


def course_info(store: Store, course: dict) -> dict:
    """One course as ``core_course_get_courses_by_field`` returns it to a manager."""
    category = store.categories.get(course["categoryid"], {})
    return {
        "id": course["id"],
        "fullname": course["fullname"],
        "displayname": course["fullname"],
        "shortname": course["shortname"],
        "categoryid": course["categoryid"],
        "categoryname": category.get("name", ""),
        "sortorder": 10000 * course["categoryid"] + course["id"],
        "summary": course["summary"],
        "summaryformat": course["summaryformat"],
        "summaryfiles": [],
        "overviewfiles": [],
        "showactivitydates": True,
        "showcompletionconditions": True,
        "contacts": [],
        "enrollmentmethods": ["manual"] if store.manual_enrol.get(course["id"]) else [],
        "customfields": [],
        **{
            name: course[name]
            for name in (
                "format",
                "showgrades",
                "newsitems",
                "startdate",
                "enddate",
                "maxbytes",
                "showreports",
                "visible",
                "groupmode",
                "groupmodeforce",
                "defaultgroupingid",
                "enablecompletion",
                "completionnotify",
                "lang",
            )
        },  # fmt: skip
        "theme": course["theme"],
        "marker": 0,
        "filters": [],
        "idnumber": course["idnumber"],
        "legacyfiles": 0,
        "calendartype": "",
        "timecreated": course["timecreated"],
        "timemodified": course["timemodified"],
        "requested": 0,
        "cacherev": course["timemodified"],
        "courseformatoptions": [{"name": k, "value": v} for k, v in course["courseformatoptions"].items()],
    }


@function(
    "core_course_get_courses_by_field",
    {"field": default(Value("alpha"), ""), "value": default(Value("raw"), "")},
)
def get_courses_by_field(store: Store, params: dict) -> dict:
    field, value = params["field"], params["value"]
    if not field:
        selected = list(store.courses.values())
    elif field in ("id", "category"):
        wanted = clean(value, "int")
        key = "id" if field == "id" else "categoryid"
        selected = [c for c in store.courses.values() if c[key] == wanted]
    elif field == "ids":
        wanted = {int(i) for i in clean(value, "sequence").split(",") if i}
        selected = [c for c in store.courses.values() if c["id"] in wanted]
    elif field in ("shortname", "idnumber"):
        wanted = clean(value, "text") if field == "shortname" else value
        selected = [c for c in store.courses.values() if c[field] == wanted]
    else:
        raise InvalidParameter("Invalid field name")
    courses = [course_info(store, c) for c in sorted(selected, key=lambda c: c["id"]) if c["id"] != SITE_COURSE_ID]
    return {"courses": courses, "warnings": []}


def _check_lang(item: dict) -> None:
    if "lang" in item and item["lang"] not in LANGS:
        raise moodle_error("errorinvalidparam", 'The param "lang" is invalid.')


def _check_unique(item: dict, shortnames: set[str], idnumbers: set[str]) -> None:
    """``create_course``/``update_course``: the shortname, then the idnumber, must be free."""
    if item.get("shortname") and item["shortname"] in shortnames:
        raise moodle_error("shortnametaken", f"Short name is already used for another course ({item['shortname']})")
    if item.get("idnumber") and item["idnumber"] in idnumbers:
        raise moodle_error("courseidnumbertaken", f"ID number is already used for another course ({item['idnumber']})")


def _check_dates(course: dict) -> None:
    if course["enddate"] and course["startdate"] and course["enddate"] < course["startdate"]:
        raise moodle_error("enddatebeforestartdate", "The course end date must be after the start date.")


def _format_options(item: dict, current: dict) -> dict:
    options = dict(current)
    for name in ("numsections", "hiddensections"):
        if name in item:
            options[name] = item[name]
    for option in item.get("courseformatoptions", []):
        options[option["name"]] = option["value"]
    return options


@function("core_course_create_courses", {"courses": Multiple(Single(COURSE_FIELDS))}, writes=True)
def create_courses(store: Store, params: dict) -> list[dict]:
    created = []
    shortnames = {c["shortname"] for c in store.courses.values()}
    idnumbers = {c["idnumber"] for c in store.courses.values()}
    for item in params["courses"]:
        if item["categoryid"] not in store.categories:
            raise missing_record("course_categories")
        for name in ("fullname", "shortname"):
            if not item[name].strip():
                raise moodle_error("errorinvalidparam", f'The param "{name}" is invalid.')
        _check_lang(item)
        _check_unique(item, shortnames, idnumbers)
        now = int(time.time())
        startdate = item.get("startdate", now)
        course = {
            "fullname": item["fullname"],
            "shortname": item["shortname"],
            "categoryid": item["categoryid"],
            "idnumber": item.get("idnumber", ""),
            "summary": item.get("summary", ""),
            "startdate": startdate,
            "enddate": item["enddate"] if "enddate" in item else startdate + YEAR,
            "visible": item.get("visible", 1),
            "enablecompletion": item.get("enablecompletion", 1),
            "completionnotify": item.get("completionnotify", 0),
            "lang": item.get("lang", ""),
            "theme": item.get("forcetheme", ""),
            "timecreated": now,
            "timemodified": now,
            "courseformatoptions": _format_options(item, {"hiddensections": 0, "coursedisplay": 0}),
        }
        for name in ("summaryformat", "format", "showgrades", "newsitems", "maxbytes", "showreports", "groupmode"):
            course[name] = item[name]
        course |= {"groupmodeforce": item["groupmodeforce"], "defaultgroupingid": item["defaultgroupingid"]}
        _check_dates(course)
        courseid = store.new_id("course", store.courses)
        store.courses[courseid] = {"id": courseid, **course}
        store.manual_enrol[courseid] = True
        shortnames.add(course["shortname"])
        idnumbers.add(course["idnumber"])
        created.append({"id": courseid, "shortname": course["shortname"]})
    return created


@function("core_course_update_courses", {"courses": Multiple(Single(UPDATE_FIELDS))}, writes=True)
def update_courses(store: Store, params: dict) -> dict:
    warnings = []
    for item in params["courses"]:
        try:
            old = store.course(item["id"])
            for name in ("fullname", "shortname"):
                if name in item and not item[name].strip():
                    raise moodle_error("errorinvalidparam", f'The param "{name}" is invalid.')
            changed = {k: item[k] for k in ("shortname", "idnumber") if k in item and item[k] != old[k]}
            others = [c for c in store.courses.values() if c["id"] != old["id"]]
            _check_unique(changed, {c["shortname"] for c in others}, {c["idnumber"] for c in others})
            if item.get("categoryid", old["categoryid"]) not in store.categories:
                raise missing_record("course_categories")
            _check_lang(item)
            changes = {k: v for k, v in item.items() if k in old and k != "id"}
            if "forcetheme" in item:
                changes["theme"] = item["forcetheme"]
            course = {**old, **changes, "timemodified": int(time.time())}
            course["courseformatoptions"] = _format_options(item, old["courseformatoptions"])
            _check_dates(course)
            store.courses[old["id"]] = course
        except MoodleException as error:
            warnings.append(
                {"item": "course", "itemid": item["id"], "warningcode": error.errorcode, "message": error.message}
            )
    return {"warnings": warnings}
