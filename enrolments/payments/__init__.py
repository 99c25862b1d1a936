"""The payment seam: a provider-neutral backend interface over ``dummy`` and ``stripe``.

Only ``enrolments/payments/stripe_api.py`` imports ``stripe``.
"""

from .base import get_backend

__all__ = ["get_backend"]
