"""What the OpenAPI schema describes: our ``/api/v1/`` endpoints only (not Wagtail's admin API)."""

API_ROOT = "/api/v1/"


def only_api_v1(endpoints: list) -> list:
    """drf-spectacular preprocessing hook: keep the endpoints under ``/api/v1/``."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_ROOT)]
