"""A thousand changes while Moodle is down, then erratic: once it recovers, nothing lost, nothing duplicated."""

import pytest
from django.utils import timezone

from courses.factories import SessionFactory
from enrolments.factories import EnrolmentFactory, UserFactory
from enrolments.models import Enrolment, EnrolmentStatus
from lms.desired import user_idnumber
from lms.drain import drain
from lms.models import OutboxItem, OutboxStatus
from tests.fakes.moodle import FakeMoodle
from tests.lms.moodle_backend_setup import moodle_backend

pytestmark = pytest.mark.django_db

SESSIONS = 4
LEARNERS = 200


def drain_until_quiet(fake, passes=30):
    for _ in range(passes):
        OutboxItem.objects.update(next_attempt_at=timezone.now())  # time passes: every backoff is over
        report = drain(backend=moodle_backend(fake))
        if report.sent == 0 and report.waiting == 0:
            return
    raise AssertionError("the outbox never drained")


def moodle_state(fake):
    """What Moodle holds: users by idnumber, and the student idnumbers of each course."""
    users = {u["idnumber"]: u for u in fake.users.values() if u.get("idnumber", "").startswith("allys-")}
    by_id = {u["id"]: u["idnumber"] for u in users.values()}
    courses = {c["idnumber"]: c["id"] for c in fake.courses.values() if c.get("idnumber")}
    enrolled = {code: set() for code in courses}
    for (course_id, user_id), _ in fake.enrolments.items():
        code = next(code for code, cid in courses.items() if cid == course_id)
        enrolled[code].add(by_id[user_id])
    return users, enrolled


def desired_state(sessions):
    enrolled = {
        s.code: {
            user_idnumber(uid)
            for uid in Enrolment.objects.filter(
                session=s, status__in=[EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED]
            ).values_list("learner_id", flat=True)
        }
        for s in sessions
    }
    return enrolled


def test_a_thousand_changes_through_an_outage_arrive_exactly_once(course, settings):
    settings.MOODLE_ITEM_MAX_ATTEMPTS = 1000  # transient trouble must never make dead letters
    fake = FakeMoodle()
    sessions = [SessionFactory(course=course, code=f"IAF-FLT-2027-{i:02d}") for i in range(SESSIONS)]
    learners = UserFactory.create_batch(LEARNERS)
    changes = 0

    # 1. Moodle is up, with a hiccup: 200 enrolments.
    fake.fail("timeout", times=1)
    enrolments = [EnrolmentFactory(learner=u, session=sessions[i % SESSIONS]) for i, u in enumerate(learners)]
    changes += len(enrolments)
    drain(backend=moodle_backend(fake))

    # 2. Moodle is down: 400 changes (withdrawals, renames, new enrolments, cancellations).
    fake.fail("down")
    for enrolment in enrolments[:100]:
        enrolment.status = EnrolmentStatus.WITHDRAWN
        enrolment.save()
    for learner in learners[:150]:
        learner.last_name = f"{learner.last_name}-Renamed"
        learner.save()
    extra = [EnrolmentFactory(learner=u, session=sessions[(i + 1) % SESSIONS]) for i, u in enumerate(learners[:100])]
    for enrolment in extra[:50]:
        enrolment.status = EnrolmentStatus.CANCELLED
        enrolment.save()
    changes += 100 + 150 + 100 + 50
    for _ in range(3):
        OutboxItem.objects.update(next_attempt_at=timezone.now())
        assert drain(backend=moodle_backend(fake)).synced == 0

    # 3. Moodle answers, badly: 5xx, HTML pages, enrolments saved then "Message was not sent.".
    fake.recover()
    fake.fail("5xx", times=3)
    fake.fail("html", times=2)
    fake.fail("message_not_sent", times=2, functions={"enrol_manual_enrol_users"})
    for enrolment in enrolments[100:150]:
        enrolment.status = EnrolmentStatus.CANCELLED
        enrolment.save()
    comeback = [EnrolmentFactory(learner=e.learner, session=e.session) for e in enrolments[:100]]
    for learner in learners[150:]:
        learner.email = f"new-{learner.email}"
        learner.save()
    for learner in learners:
        learner.first_name = "Prénom"
        learner.save()
    changes += 50 + len(comeback) + 50 + LEARNERS
    for _ in range(4):
        OutboxItem.objects.update(next_attempt_at=timezone.now())
        drain(backend=moodle_backend(fake))
    assert changes == 1000

    # 4. Moodle is well again: drain until nothing is due.
    drain_until_quiet(fake)

    assert not OutboxItem.objects.exclude(status=OutboxStatus.SYNCED).exists()
    users, enrolled = moodle_state(fake)
    assert enrolled == desired_state(sessions)
    assert len(users) == LEARNERS  # one account each: nothing duplicated
    for learner in learners:
        learner.refresh_from_db()
        account = users[user_idnumber(learner.pk)]
        assert (account["email"], account["firstname"], account["lastname"]) == (
            learner.email,
            learner.first_name,
            learner.last_name,
        )
    assert sorted(fake.course_by_idnumber(s.code)["shortname"] for s in sessions) == sorted(s.code for s in sessions)
    assert len([c for c in fake.courses.values() if c.get("idnumber", "").startswith("IAF-FLT")]) == SESSIONS
