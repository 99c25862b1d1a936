"""The allowed transitions of enrolments and instalments, in one table each.

A transition saves state only; emails, provider calls and Moodle calls run on
commit, from the services.
"""

from enrolments.models import EnrolmentStatus, InstalmentStatus
from enrolments.services.errors import TransitionNotAllowed

E = EnrolmentStatus
ENROLMENT_TRANSITIONS: dict[str, set[str]] = {
    E.HELD: {E.CONFIRMED, E.EXPIRED, E.CANCELLED_BY_ORGANISER},
    # An expired hold can still be confirmed if the card arrives late and a place is free.
    E.EXPIRED: {E.CONFIRMED},
    E.CONFIRMED: {E.WITHDRAWN, E.CANCELLED, E.CANCELLED_BY_ORGANISER, E.COMPLETED},
    E.COMPLETED: set(),
    E.WITHDRAWN: set(),
    E.CANCELLED: set(),
    E.CANCELLED_BY_ORGANISER: set(),
}

I = InstalmentStatus  # noqa: E741
INSTALMENT_TRANSITIONS: dict[str, set[str]] = {
    I.SCHEDULED: {I.PROCESSING, I.CANCELLED, I.PAID},
    I.PROCESSING: {I.PAID, I.FAILED, I.SCHEDULED},
    I.FAILED: {I.PROCESSING, I.PAID, I.CANCELLED},
    I.PAID: set(),
    I.CANCELLED: set(),
}


def check_enrolment_transition(current: str, target: str) -> None:
    if target not in ENROLMENT_TRANSITIONS[current]:
        raise TransitionNotAllowed()


def check_instalment_transition(current: str, target: str) -> None:
    if target not in INSTALMENT_TRANSITIONS[current]:
        raise TransitionNotAllowed()
