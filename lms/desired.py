"""What Moodle should hold, computed from our data: one spec per object.

These functions read our models and return the LMS seam's specs; they never
talk to Moodle. The outbox stores their ``payload()`` and the reconcile
compares them with what Moodle holds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from django.utils.html import escape, format_html

from courses.models import Session, SessionStatus
from enrolments.documents.formatting import date_range
from enrolments.models import Enrolment, EnrolmentStatus, Organisation, Seat, SeatStatus
from lms.backends.base import CategorySpec, CohortSpec, CourseSpec, EnrolmentSpec, GroupSpec, UserSpec

PARIS = ZoneInfo("Europe/Paris")
# Enrolments that give access to the Moodle course.
ACTIVE_STATUSES = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED)


def payload(spec) -> dict:
    """The JSON an outbox row stores for a spec."""
    data = dataclasses.asdict(spec)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


def spec_from_payload(spec_class, data: dict):
    fields = {f.name for f in dataclasses.fields(spec_class)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in fields}
    return spec_class(**values)


# --- categories -------------------------------------------------------------


def root_category() -> CategorySpec:
    return CategorySpec(idnumber=settings.MOODLE_CATEGORY_ROOT_IDNUMBER, name=settings.MOODLE_CATEGORY_ROOT_NAME)


def theme_category(theme) -> CategorySpec:
    root = root_category()
    return CategorySpec(
        idnumber=f"{root.idnumber}-{theme.slug}",
        name=theme.name,
        parent_idnumber=root.idnumber,
        description=escape(theme.summary),
    )


def course_categories(course) -> list[CategorySpec]:
    """The root category, and the subcategory of the course's first theme if it has one."""
    theme = course.themes.order_by("name").first()
    return [root_category()] + ([theme_category(theme)] if theme else [])


# --- courses ----------------------------------------------------------------


def unix_date(day: dt.date) -> int:
    """Midnight of a Europe/Paris date, as Moodle stores course dates."""
    return int(dt.datetime.combine(day, dt.time.min, tzinfo=PARIS).timestamp())


def course_summary(course) -> str:
    parts = [format_html("<p>{}</p>", course.summary)]
    if course.objectives:
        parts.append(format_html("<h3>{}</h3>{}", translation.gettext("Objectives"), _rich_text(course.objectives)))
    url = course.get_full_url()
    if url:
        parts.append(format_html('<p><a href="{}">{}</a></p>', url, translation.gettext("The course in the catalogue")))
    return "".join(parts)


def _rich_text(value: str) -> str:
    from wagtail.rich_text import expand_db_html

    return expand_db_html(value)


def course_spec(session: Session) -> CourseSpec:
    course = session.course.specific
    language = "fr" if not session.languages or "fr" in session.languages else session.languages[0]
    start = session.starts_at.astimezone(PARIS).date()
    end = session.ends_at.astimezone(PARIS).date()
    categories = course_categories(course)
    with translation.override(language):
        fullname = f"{course.title} — {date_range(start, end)}"
        summary = course_summary(course)
    return CourseSpec(
        idnumber=session.code,
        fullname=fullname[:254],
        category_idnumber=categories[-1].idnumber,
        summary=summary,
        startdate=unix_date(start),
        enddate=unix_date(end),
        lang=language,
        visible=session.status != SessionStatus.CANCELLED and course.live,
    )


# --- users and enrolments ---------------------------------------------------


def user_idnumber(user_id: int) -> str:
    """Our stable user id, as Moodle's user idnumber."""
    return f"allys-{user_id}"


def user_spec(user) -> UserSpec:
    return UserSpec(
        idnumber=user_idnumber(user.pk),
        email=user.email,
        firstname=user.first_name or user.email.split("@")[0],
        lastname=user.last_name or "-",
        lang=user.language or settings.LANGUAGE_CODE,
    )


def access_window(session: Session) -> tuple[int, int]:
    """When a learner may enter the Moodle course: the session's dates with a margin."""
    start = session.starts_at - dt.timedelta(days=settings.MOODLE_ACCESS_DAYS_BEFORE)
    end = session.ends_at + dt.timedelta(days=settings.MOODLE_ACCESS_DAYS_AFTER)
    return int(start.timestamp()), int(end.timestamp())


def enrolment_spec(user_id: int, session: Session, *, active: bool | None = None) -> EnrolmentSpec:
    """A learner's enrolment in a session's course: active while a confirmed or completed enrolment exists."""
    if active is None:
        active = Enrolment.objects.filter(learner_id=user_id, session=session, status__in=ACTIVE_STATUSES).exists()
    timestart, timeend = access_window(session)
    return EnrolmentSpec(
        user_idnumber=user_idnumber(user_id),
        course_idnumber=session.code,
        active=active,
        timestart=timestart,
        timeend=timeend,
    )


def session_enrolment_specs(sessions: Iterable[Session]) -> list[EnrolmentSpec]:
    """Every learner who ever had a confirmed place, active or not, for a full reconcile."""
    specs = []
    for session in sessions:
        rows = Enrolment.objects.filter(session=session, confirmed_at__isnull=False).values_list("learner_id", "status")
        active = {}
        for learner_id, status in rows:
            active[learner_id] = active.get(learner_id, False) or status in ACTIVE_STATUSES
        specs.extend(enrolment_spec(uid, session, active=is_active) for uid, is_active in sorted(active.items()))
    return specs


# --- organisations: a cohort each, and a group in each course of their employees --------------


def organisation_idnumber(organisation_id: int) -> str:
    """Our stable organisation id, as the idnumber of its Moodle cohort and of its groups."""
    return f"allys-org-{organisation_id}"


def _seat_holders(organisation_id: int, session: Session | None = None) -> tuple[str, ...]:
    """The organisation's employees with a live place from a claimed seat (in ``session``, or any)."""
    seats = Seat.objects.filter(
        organisation_id=organisation_id, status=SeatStatus.CLAIMED, enrolment__status__in=ACTIVE_STATUSES
    )
    if session is not None:
        seats = seats.filter(session=session)
    holder_ids = sorted(set(seats.values_list("holder_id", flat=True)))
    return tuple(user_idnumber(pk) for pk in holder_ids)


def cohort_spec(organisation: Organisation) -> CohortSpec:
    """The organisation as a system cohort of every employee it placed."""
    return CohortSpec(
        idnumber=organisation_idnumber(organisation.pk),
        name=organisation.name,
        members=_seat_holders(organisation.pk),
    )


def group_spec(organisation: Organisation, session: Session) -> GroupSpec:
    """The organisation's group in the session's course: its employees enrolled there."""
    return GroupSpec(
        course_idnumber=session.code,
        idnumber=organisation_idnumber(organisation.pk),
        name=organisation.name,
        members=_seat_holders(organisation.pk, session),
    )


def organisation_specs(sessions: Iterable[Session]) -> tuple[list[CohortSpec], list[GroupSpec]]:
    """The cohorts and course groups of the organisations with employees in ``sessions``, for a full reconcile.

    A cohort lists the employees of every session, in scope or not: the reconcile only ever adds members.
    """
    sessions = {session.pk: session for session in sessions}
    live = Seat.objects.filter(status=SeatStatus.CLAIMED, enrolment__status__in=ACTIVE_STATUSES)
    in_scope = live.filter(session_id__in=sessions).values_list("organisation_id", "session_id", "holder_id")
    groups: dict[tuple[int, int], set[int]] = {}
    for organisation_id, session_id, holder_id in in_scope:
        groups.setdefault((organisation_id, session_id), set()).add(holder_id)
    organisations = Organisation.objects.in_bulk({organisation_id for organisation_id, _ in groups})
    cohort_members: dict[int, set[int]] = {pk: set() for pk in organisations}
    for organisation_id, holder_id in live.filter(organisation_id__in=organisations).values_list(
        "organisation_id", "holder_id"
    ):
        cohort_members[organisation_id].add(holder_id)
    cohorts = [
        CohortSpec(
            idnumber=organisation_idnumber(pk),
            name=organisations[pk].name,
            members=tuple(user_idnumber(uid) for uid in sorted(cohort_members[pk])),
        )
        for pk in sorted(organisations)
    ]
    group_specs = [
        GroupSpec(
            course_idnumber=sessions[session_id].code,
            idnumber=organisation_idnumber(organisation_id),
            name=organisations[organisation_id].name,
            members=tuple(user_idnumber(uid) for uid in sorted(holders)),
        )
        for (organisation_id, session_id), holders in sorted(groups.items())
    ]
    return cohorts, group_specs
