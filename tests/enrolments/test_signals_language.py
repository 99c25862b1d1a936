"""Emails and documents follow the language a person last logged in with."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("path", "language"), [("/en/accounts/login/", "en"), ("/accounts/login/", "fr")])
def test_logging_in_remembers_the_language(client, home_page, learner, path, language):
    learner.language = "en" if language == "fr" else "fr"
    learner.save()

    response = client.post(path, {"login": learner.email, "password": "motdepasse-solide"})

    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.language == language
