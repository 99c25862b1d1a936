"""Schemathesis over the public endpoints (catalogue, open data), through the WSGI app (no network).

Every generated request (valid and invalid parameters) must get no server
error and an answer that conforms to the schema: status codes, content type
(``text/csv`` and ``application/ld+json`` for the open-data exports), headers,
body. The database holds a few published courses with sessions.
Schemathesis' pytest plugin does not run under pytest 9 yet, so each
operation's Hypothesis strategy is driven directly.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings

MAX_EXAMPLES = 25


@pytest.mark.django_db
@pytest.mark.parametrize(("tag", "count"), [("catalogue", 8), ("open-data", 2)])
def test_public_api_conforms_to_its_schema(api_catalogue, keep_test_connection, tag, count):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    operations = [result.ok() for result in schema.include(tag=tag).get_all_operations()]
    assert len(operations) == count

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case):
            case.call_and_validate()

        conforms()
