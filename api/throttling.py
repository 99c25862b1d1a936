"""How often the API may be called: per client address when anonymous, per account when signed in.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (``ALLYS_API_*_RATE``
in the environment), read at each request so that a settings change applies
without a restart of the class. Writes have their own, smaller budget on top of
the account's: creating, reassigning or revoking seats in a loop is a mistake
more often than a need. A refused call gets a 429 in the one error shape, with
``retry_after`` and a ``Retry-After`` header.
"""

from __future__ import annotations

from rest_framework import permissions, throttling
from rest_framework.settings import api_settings


class _CurrentRates:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_CurrentRates, throttling.AnonRateThrottle):
    """Anonymous calls, by client address."""


class UserThrottle(_CurrentRates, throttling.UserRateThrottle):
    """Signed-in calls, by account (anonymous ones by address)."""


class WriteThrottle(_CurrentRates, throttling.UserRateThrottle):
    """Changes (POST, PATCH, …) by one account: ``write`` rate. Reads are not counted."""

    scope = "write"

    def allow_request(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return super().allow_request(request, view)
