"""Who may call the signed-in API, and how often: one configuration shared by every account view.

Views set these explicitly rather than through ``REST_FRAMEWORK`` so the
public catalogue keeps its own (anonymous) defaults.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication

from api.authentication import ApiTokenAuthentication
from api.models import ApiToken, TokenScope
from api.throttling import AnonThrottle, UserThrottle, WriteThrottle


class TokenScopePermission(permissions.BasePermission):
    """A read-only token may only read: GET, HEAD and OPTIONS."""

    message = _("This token is read-only: create a read-write token to make changes.")
    code = "token_read_only"

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.scope != TokenScope.WRITE:
            return request.method in permissions.SAFE_METHODS
        return True


class SignedInAPI:
    """Mixin of every account view: a token (first, so an anonymous call gets a 401) or the session."""

    # SessionAuthentication enforces CSRF on unsafe methods for signed-in browsers.
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [permissions.IsAuthenticated, TokenScopePermission]
    throttle_classes = [AnonThrottle, UserThrottle, WriteThrottle]
