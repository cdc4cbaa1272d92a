"""RATE_LIMIT: requests per client address, counted in Django's cache: Redis when REDIS_URL is
set (one count for every process and replica), else each worker process's memory.

DRF imports this module while it loads its views (DEFAULT_THROTTLE_CLASSES): it must not
import them itself. The views that check it first are in views.py (ThrottleFirstMixin).
"""

from typing import TYPE_CHECKING

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .network import client_address

if TYPE_CHECKING:
    from rest_framework.views import APIView


class RedisUnavailable(APIException):
    """503: Redis (REDIS_URL), where the rate limit and the failed logins are counted, refused or
    did not answer."""

    status_code = 503
    default_detail = "Service unavailable"
    default_code = "unavailable"
    wait = 5  # DRF's handler turns it into Retry-After


class ClientRateThrottle(SimpleRateThrottle):
    """Every request counts, with or without (right or wrong) credentials."""

    scope = "client"

    def allow_request(self, request: Request, view: "APIView") -> bool:
        try:
            return super().allow_request(request, view)
        except RedisError:
            raise RedisUnavailable from None

    def get_rate(self) -> str:
        return str(settings.RATE_LIMIT)  # read per request, so tests can change it

    def get_cache_key(self, request: Request, view: "APIView") -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def get_ident(self, request: Request) -> str:
        """X-Forwarded-For only from TRUSTED_PROXIES (DRF's NUM_PROXIES trusts any peer)."""
        return client_address(request)
