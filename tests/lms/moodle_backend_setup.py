"""What the Moodle backend tests share: a backend wired to a FakeMoodle, spec builders, call accounting."""

from lms.backends.base import CategorySpec, CourseSpec, EnrolmentSpec, KnownIds, UserSpec
from lms.backends.moodle import MoodleBackend
from lms.moodle.client import MoodleClient
from tests.fakes.moodle import FakeMoodle

START = 1_830_297_600  # 2028-01-01
END = START + 30 * 24 * 3600

WRITE_FUNCTIONS = frozenset(
    {
        "core_course_create_categories",
        "core_course_create_courses",
        "core_course_update_courses",
        "core_user_create_users",
        "core_user_update_users",
        "enrol_manual_enrol_users",
        "enrol_manual_unenrol_users",
        "core_cohort_create_cohorts",
        "core_cohort_add_cohort_members",
        "core_group_create_groups",
        "core_group_add_group_members",
    }
)


def moodle_backend(fake: FakeMoodle, known: KnownIds | None = None, **kwargs) -> MoodleBackend:
    client = MoodleClient("http://moodle.test", "fake-token", transport=fake.transport())
    return MoodleBackend(client, known, **kwargs)


def functions_called(fake: FakeMoodle, since: int = 0) -> list[str]:
    return [function for function, _params in fake.calls[since:]]


def writes(fake: FakeMoodle, since: int = 0) -> list[str]:
    return [function for function in functions_called(fake, since) if function in WRITE_FUNCTIONS]


def params_of(fake: FakeMoodle, function: str) -> list[dict]:
    return [params for name, params in fake.calls if name == function]


def category_spec(idnumber: str = "ALLYS", name: str = "ALLyS Formation", parent: str = "") -> CategorySpec:
    return CategorySpec(idnumber=idnumber, name=name, parent_idnumber=parent)


def course_spec(code: str = "IAF-DL-2028-01", category: str = "ALLYS", **fields) -> CourseSpec:
    values = {
        "fullname": f"Deep learning ({code})",
        "summary": "<p>Neural networks for engineers.</p>",
        "startdate": START,
        "enddate": END,
        "lang": "fr",
    }
    return CourseSpec(idnumber=code, category_idnumber=category, **(values | fields))


def user_spec(idnumber: str = "u-1", email: str = "camille.martin@example.org", **fields) -> UserSpec:
    values = {"firstname": "Camille", "lastname": "Martin", "lang": "fr"}
    return UserSpec(idnumber=idnumber, email=email, **(values | fields))


def enrolment_spec(user: str, course: str, active: bool = True, **fields) -> EnrolmentSpec:
    return EnrolmentSpec(user_idnumber=user, course_idnumber=course, active=active, **fields)
