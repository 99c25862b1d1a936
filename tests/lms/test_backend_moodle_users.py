"""The Moodle backend's users: found by idnumber then by email, created, and kept up to date."""

import pytest

from lms.backends.base import Outcome
from tests.fakes.moodle import FakeMoodle
from tests.lms.moodle_backend_setup import functions_called, moodle_backend, params_of, user_spec, writes


@pytest.fixture
def fake():
    return FakeMoodle()


@pytest.fixture
def backend(fake):
    return moodle_backend(fake)


def outcomes(results):
    return {result.key: result.outcome for result in results}


def test_a_new_learner_gets_a_manual_account_with_a_generated_password(fake, backend):
    results = backend.ensure_users([user_spec("u-1", email="Camille.Martin@Example.org")])

    user = fake.user_by_idnumber("u-1")
    assert results[0].outcome == Outcome.CREATED
    assert results[0].moodle_id == user["id"] == backend.known.users["u-1"]
    assert (user["username"], user["email"]) == ("camille.martin@example.org", "Camille.Martin@Example.org")
    assert (user["firstname"], user["lastname"], user["lang"], user["auth"]) == ("Camille", "Martin", "fr", "manual")
    assert params_of(fake, "core_user_create_users")[0]["users"][0]["createpassword"] == "1"


def test_an_email_with_characters_usernames_refuse_gets_a_username_moodle_accepts(fake, backend):
    results = backend.ensure_users([user_spec("u-1", email="Camille+Formation@example.org")])

    assert results[0].outcome == Outcome.CREATED
    user = fake.user_by_idnumber("u-1")
    assert (user["username"], user["email"]) == ("camille_formation@example.org", "Camille+Formation@example.org")


def test_with_an_sso_auth_method_no_password_is_asked_for(fake):
    backend = moodle_backend(fake, user_auth="oidc")

    results = backend.ensure_users([user_spec("u-1")])

    assert results[0].outcome == Outcome.CREATED
    assert fake.user_by_idnumber("u-1")["auth"] == "oidc"
    assert "createpassword" not in params_of(fake, "core_user_create_users")[0]["users"][0]


def test_a_second_run_writes_nothing(fake, backend):
    specs = [user_spec(f"u-{n}", email=f"learner{n}@example.org") for n in range(5)]
    backend.ensure_users(specs)
    before = len(fake.calls)

    results = backend.ensure_users(specs)

    assert set(outcomes(results).values()) == {Outcome.UNCHANGED}
    assert functions_called(fake, before) == ["core_user_get_users_by_field"]


def test_only_changed_fields_are_pushed(fake, backend):
    backend.ensure_users([user_spec("u-1"), user_spec("u-2", email="dominique@example.org")])

    results = backend.ensure_users(
        [user_spec("u-1", lastname="Martin-Durand", lang="en"), user_spec("u-2", email="dominique@example.org")]
    )

    assert outcomes(results) == {"u-1": Outcome.UPDATED, "u-2": Outcome.UNCHANGED}
    user = fake.user_by_idnumber("u-1")
    assert params_of(fake, "core_user_update_users") == [
        {"users": [{"id": str(user["id"]), "lastname": "Martin-Durand", "lang": "en"}]}
    ]
    assert (user["lastname"], user["lang"]) == ("Martin-Durand", "en")


def test_an_account_found_by_email_gets_our_idnumber(fake, backend):
    existing = fake.add_user("cmartin", email="camille.martin@example.org", firstname="Camille", lastname="Martin")

    results = backend.ensure_users([user_spec("u-1", email="camille.martin@example.org")])

    assert (results[0].outcome, results[0].moodle_id) == (Outcome.UPDATED, existing["id"])
    assert fake.users[existing["id"]]["idnumber"] == "u-1"
    assert len(fake.users) == 1
    assert writes(fake) == ["core_user_update_users"]


def test_an_email_typed_with_capitals_finds_the_lowercase_account(fake, backend):
    existing = fake.add_user("cmartin", email="camille.martin@example.org")

    results = backend.ensure_users([user_spec("u-1", email="Camille.Martin@Example.org")])

    assert (results[0].outcome, results[0].moodle_id) == (Outcome.UPDATED, existing["id"])
    assert fake.users[existing["id"]]["idnumber"] == "u-1"
    assert len(fake.users) == 1


def test_an_email_that_differs_only_by_case_otherwise_is_refused_not_duplicated(fake, backend):
    # Moodle matches emails case-sensitively, but refuses a second account with the same email in another case.
    fake.add_user("cmartin", email="Camille.MARTIN@example.org")

    results = backend.ensure_users([user_spec("u-1", email="camille.martin@example.org")])

    assert results[0].outcome == Outcome.FAILED
    assert results[0].error.errorcode == "invalidparameter"
    assert "Email address already exists" in results[0].error.message
    assert len(fake.users) == 1


def test_an_account_found_by_email_with_another_idnumber_is_left_alone(fake, backend):
    fake.add_user("cmartin", email="camille.martin@example.org", idnumber="someone-else")

    results = backend.ensure_users([user_spec("u-1", email="camille.martin@example.org")])

    assert results[0].outcome == Outcome.FAILED
    assert results[0].error.errorcode == "idnumbertaken"
    assert fake.user_by_idnumber("someone-else")["email"] == "camille.martin@example.org"
    assert writes(fake) == []


def test_a_bad_learner_is_isolated_and_the_others_are_created(fake, backend):
    specs = [user_spec(f"u-{n}", email=f"learner{n}@example.org") for n in range(20)]
    specs[13] = user_spec("u-13", email="learner13.example.org")

    results = backend.ensure_users(specs)

    failed = [r for r in results if r.outcome == Outcome.FAILED]
    assert [(r.key, r.error.errorcode) for r in failed] == [("u-13", "invalidparameter")]
    assert "Email address is invalid" in failed[0].error.message
    assert sorted(u["idnumber"] for u in fake.users.values()) == sorted(s.idnumber for s in specs if s.key != "u-13")


def test_an_update_moodle_refuses_fails_alone(fake, backend):
    backend.ensure_users([user_spec("u-1"), user_spec("u-2", email="dominique@example.org")])

    results = backend.ensure_users(
        [
            user_spec("u-1", email="dominique@example.org"),  # taken by u-2
            user_spec("u-2", email="dominique@example.org", firstname="Dominique"),
        ]
    )

    assert outcomes(results) == {"u-1": Outcome.FAILED, "u-2": Outcome.UPDATED}
    assert results[0].error.errorcode == "useremailduplicate"
    assert fake.user_by_idnumber("u-1")["email"] == "camille.martin@example.org"
    assert fake.user_by_idnumber("u-2")["firstname"] == "Dominique"


def test_many_learners_are_read_and_created_in_few_calls(fake, backend):
    specs = [user_spec(f"u-{n}", email=f"learner{n}@example.org") for n in range(500)]

    results = backend.ensure_users(specs)

    assert set(outcomes(results).values()) == {Outcome.CREATED}
    assert len(fake.users) == 500
    assert len(fake.calls) <= 12


def test_user_dry_run_writes_nothing(fake, backend):
    backend.ensure_users([user_spec("u-1")])
    fake.add_user("dmartin", email="dominique@example.org")
    before = len(fake.calls)

    results = backend.ensure_users(
        [
            user_spec("u-1", firstname="Camille-Anne"),
            user_spec("u-2", email="dominique@example.org"),
            user_spec("u-3", email="new@example.org"),
        ],
        dry_run=True,
    )

    assert outcomes(results) == {"u-1": Outcome.UPDATED, "u-2": Outcome.UPDATED, "u-3": Outcome.CREATED}
    assert writes(fake, before) == []
