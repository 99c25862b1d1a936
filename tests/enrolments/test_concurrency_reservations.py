"""Concurrent buyers never oversell a session (real transactions on PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from courses.factories import SessionFactory
from enrolments.factories import UserFactory
from enrolments.models import Enrolment, EnrolmentStatus, Funding
from enrolments.services.enrolment import enrolment_start
from enrolments.services.errors import SessionFull

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def quiet_emails(monkeypatch):
    from enrolments import emails

    monkeypatch.setattr(emails, "notify", lambda kind, object_id: None, raising=False)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises every writer"
)
def test_fifty_buyers_for_ten_places_exactly_ten_get_one(wagtail_tree, course, legal_texts, quiet_emails):
    session = SessionFactory(course=course, capacity=10)
    buyers = [UserFactory() for _ in range(50)]
    barrier = threading.Barrier(len(buyers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def buy(user):
        try:
            barrier.wait()
            enrolment_start(
                session=session,
                learner=user,
                funding=Funding.SELF,
                terms=legal_texts["terms"],
                internal_rules=legal_texts["rules"],
            )
            result = "held"
        except SessionFull:
            result = "full"
        except Exception as error:  # noqa: BLE001 - reported below
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=buy, args=(user,)) for user in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(set(outcomes)) == ["full", "held"], outcomes
    assert outcomes.count("held") == 10
    session.refresh_from_db()
    assert session.places_taken == 10
    assert Enrolment.objects.filter(session=session, status=EnrolmentStatus.HELD).count() == 10
