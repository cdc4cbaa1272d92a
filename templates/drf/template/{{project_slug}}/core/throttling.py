"""RATE_LIMIT: requests per client address, counted in Django's cache (per worker process).

DRF imports this module while it loads its views (DEFAULT_THROTTLE_CLASSES): it must not
import them itself. The views that check it first are in views.py (ThrottleFirstMixin).
"""

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .network import client_address

if TYPE_CHECKING:
    from rest_framework.views import APIView


class ClientRateThrottle(SimpleRateThrottle):
    """Every request counts, with or without (right or wrong) credentials."""

    scope = "client"

    def get_rate(self) -> str:
        return str(settings.RATE_LIMIT)  # read per request, so tests can change it

    def get_cache_key(self, request: Request, view: "APIView") -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def get_ident(self, request: Request) -> str:
        """X-Forwarded-For only from TRUSTED_PROXIES (DRF's NUM_PROXIES trusts any peer)."""
        return client_address(request)
