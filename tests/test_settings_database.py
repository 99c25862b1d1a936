"""The database engine is the one DATABASE_URL names: PostgreSQL when set, SQLite otherwise.

CI runs the whole suite twice, once per engine; these tests make sure the
second run really talks to PostgreSQL instead of silently falling back.
"""

import os

from django.db import connection
from wagtail.search.backends import get_search_backend


def expected_vendor() -> str:
    """The vendor the environment asks for."""
    url = os.environ.get("DATABASE_URL", "")
    return "postgresql" if url.startswith(("postgres://", "postgresql://", "pgsql://")) else "sqlite"


def test_engine_is_the_one_database_url_names(db):
    assert connection.vendor == expected_vendor()


def test_database_answers_a_query_in_its_own_dialect(db):
    version_sql = "SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()"
    with connection.cursor() as cursor:
        cursor.execute(version_sql)
        (version,) = cursor.fetchone()
    if expected_vendor() == "postgresql":
        assert version.startswith("PostgreSQL")
    else:
        assert version[0].isdigit()


def test_search_backend_matches_the_engine(db):
    backend_module = type(get_search_backend()).__module__
    assert ("postgres" in backend_module) == (expected_vendor() == "postgresql")
