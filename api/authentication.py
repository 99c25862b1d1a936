"""Personal API tokens: issuing, revoking, and authenticating ``Authorization: Bearer allys_…``.

Only the SHA-256 of a token is stored; the raw secret is shown once to its
owner. A revoked token, an unknown one or one whose owner is inactive is
refused with a 401, never silently treated as anonymous.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.models import TOKEN_PREFIX, ApiToken, TokenScope, hash_token, new_raw_token

#: ``last_used_at`` is written at most this often, so a busy integration does not write on every call.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
#: Characters of the secret kept in clear so its owner can tell tokens apart.
PREFIX_LENGTH = len(TOKEN_PREFIX) + 6


def token_create(*, user, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it with its raw secret, which is never stored."""
    raw = new_raw_token()
    token = ApiToken.objects.create(
        user=user, name=name.strip(), scope=TokenScope(scope), prefix=raw[:PREFIX_LENGTH], key_hash=hash_token(raw)
    )
    return token, raw


def token_revoke(*, token: ApiToken, now: dt.datetime | None = None) -> ApiToken:
    """Revoke ``token`` for good (idempotent: the first revocation date stays)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = now or timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer allys_…``: the personal token's owner, with the token as ``request.auth``."""

    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # Not ours: the session may authenticate the request.
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: give one token after “Bearer”."))
        try:
            raw = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        self._record_use(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return f'{self.keyword} realm="api"'

    @staticmethod
    def _record_use(token: ApiToken) -> None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The bearer token in the OpenAPI schema (drf-spectacular finds it by the class path)."""

    target_class = "api.authentication.ApiTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "allys_…",
            "description": str(_("A personal API token, created on your dashboard (read-only or read-write).")),
        }
