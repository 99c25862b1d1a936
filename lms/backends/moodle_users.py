"""Learners in Moodle: found by idnumber, then by email; created with the configured auth method.

Moodle matches emails exactly and case-sensitively, but refuses a new account whose
email differs from an existing one only by case: we look for the email as given and
lowercased. A user found by email gets our idnumber, so the next lookup finds it directly.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from lms.backends.base import ItemResult, Outcome, UserSpec
from lms.backends.moodle_batches import failed, unique, update_with_warnings, write_batches
from lms.backends.moodle_reads import find_users, users_by_field
from lms.moodle.errors import ItemError

if TYPE_CHECKING:
    from lms.backends.moodle import MoodleBackend

CREATE_USERS = "core_user_create_users"
UPDATE_USERS = "core_user_update_users"
# The auth method that keeps passwords in Moodle: Moodle then generates one and emails it.
MANUAL_AUTH = "manual"
# Moodle's PARAM_USERNAME keeps only these characters (without $CFG->extendedusernamechars) and
# refuses a username it would change: "+" and other email characters become "_".
USERNAME_REFUSED = re.compile(r"[^-.@_a-z0-9]")


def username_for(email: str) -> str:
    """The username of a new account: the email, lowercased, in the characters Moodle accepts."""
    return USERNAME_REFUSED.sub("_", email.strip().lower())


def ensure_users(backend: MoodleBackend, specs: list[UserSpec], *, dry_run: bool) -> list[ItemResult]:
    specs = unique(specs)
    if not specs:
        return []
    client, known = backend.client, backend.known
    existing = find_users(client, known, [spec.idnumber for spec in specs])
    results: dict[str, ItemResult] = {}
    missing = [spec for spec in specs if spec.key not in existing]
    if missing:
        emails = [email for spec in missing for email in (spec.email, spec.email.lower())]
        by_email = {user.get("email"): user for user in users_by_field(client, "email", emails)}
        for spec in missing:
            user = by_email.get(spec.email) or by_email.get(spec.email.lower())
            if user is None:
                continue
            if user.get("idnumber") and user["idnumber"] != spec.idnumber:
                message = _(
                    "The Moodle account with email %(email)s belongs to another learner (idnumber %(idnumber)s)."
                ) % {"email": spec.email, "idnumber": user["idnumber"]}
                results[spec.key] = failed(spec.key, ItemError(message, errorcode="idnumbertaken"), user["id"])
            else:
                existing[spec.key] = user

    changes: dict[str, dict[str, Any]] = {}
    for spec in specs:
        user = existing.get(spec.key)
        if user is None:
            continue
        wanted = {
            "idnumber": spec.idnumber,
            "firstname": spec.firstname,
            "lastname": spec.lastname,
            "email": spec.email,
            "lang": spec.lang,
        }
        changes[spec.key] = {name: value for name, value in wanted.items() if (user.get(name) or "") != value}
        outcome = Outcome.UPDATED if changes[spec.key] else Outcome.UNCHANGED
        results[spec.key] = ItemResult(spec.key, outcome, user["id"])
    to_create = [spec for spec in specs if spec.key not in results]
    if dry_run:
        results.update({spec.key: ItemResult(spec.key, Outcome.CREATED) for spec in to_create})
    else:
        known.users.update({key: user["id"] for key, user in existing.items()})
        update_with_warnings(backend.client, UPDATE_USERS, "users", existing, changes, results)
        results.update(_create_users(backend, to_create))
    return [results[spec.key] for spec in specs]


def _create_users(backend: MoodleBackend, specs: list[UserSpec]) -> dict[str, ItemResult]:
    auth = backend.user_auth
    items = [
        {
            "username": username_for(spec.email),
            "auth": auth,
            # An SSO method needs no password; a manual account gets one generated and emailed by Moodle.
            "createpassword": 1 if auth == MANUAL_AUTH else None,
            "idnumber": spec.idnumber,
            "firstname": spec.firstname,
            "lastname": spec.lastname,
            "email": spec.email,
            "lang": spec.lang,
        }
        for spec in specs
    ]
    written = write_batches(backend.client, CREATE_USERS, items, list_key="users")
    results: dict[str, ItemResult] = {}
    for batch, answer in written.done:
        ids = {created["username"]: created["id"] for created in answer or []}
        for item in batch:
            user_id = ids[item["username"]]
            backend.known.users[item["idnumber"]] = user_id
            results[item["idnumber"]] = ItemResult(item["idnumber"], Outcome.CREATED, user_id)
    for item, error in written.failed:
        results[item["idnumber"]] = failed(item["idnumber"], error)
    return results
