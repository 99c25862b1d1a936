"""The API's one error shape in the OpenAPI schema (``api.errors`` writes it).

Every endpoint documents its error answers with ``errors(…)``, so the schema
has one ``Error`` component whatever the endpoint.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Machine-readable, stable: not_authenticated, not_found, refused, …"))
    message = serializers.CharField(help_text=_("For people, in the request's language."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("Per-field messages of a refused input."),
    )
    retry_after = serializers.IntegerField(required=False, help_text="Seconds to wait (429 only).")


class ErrorSerializer(serializers.Serializer):
    """Every API error: ``{"error": {"code", "message", "fields"?, "retry_after"?}}``."""

    error = ErrorBodySerializer()


DESCRIPTIONS = {
    400: _("Refused input: ``fields`` says what is wrong."),
    401: _("No credentials, or an invalid or revoked token."),
    403: _("A read-only token used to write, or a missing CSRF token with a session."),
    404: _("Not found, or not yours."),
    409: _("The action is refused in this state; ``message`` says why."),
    429: _("Too many requests."),
}


def errors(*codes: int, **described) -> dict[int, OpenApiResponse]:
    """The documented error answers ``codes``, all in the one error shape, and 429 (every call is throttled).

    ``described`` overrides a code's description, by name: ``errors(400, e400=_("…"))``.
    """
    return {
        code: OpenApiResponse(ErrorSerializer, description=str(described.get(f"e{code}", DESCRIPTIONS[code])))
        for code in sorted({*codes, 429})
    }
