"""FAILED_LOGIN_LIMIT: failed logins counted per account (the email as sent, lower-cased) and
per client address, with the `limits` package: in Redis when REDIS_URL is set (one count for
every process and replica), else in memory (per worker process). Once either is
over the limit, a login that would need a password check is answered 429 before any hashing;
credentials the worker already verified (HTTP Basic's memory) are not checked, so a client
that knows its password keeps working during a flood against its account."""

import time
from functools import cache

import limits
from django.conf import settings
from rest_framework.exceptions import Throttled
from rest_framework.request import Request

from ..core.network import client_address
from ..core.throttling import RedisUnavailable


def storage(redis_url: str) -> limits.storage.Storage:
    """Redis when REDIS_URL is set (one count for every process and replica), else memory."""
    if redis_url:
        return limits.storage.RedisStorage(
            redis_url,
            wrap_exceptions=True,  # a Redis that fails raises StorageError: 503 below
            socket_timeout=settings.REDIS_TIMEOUT,
            socket_connect_timeout=settings.REDIS_TIMEOUT,
        )
    return limits.storage.MemoryStorage()


@cache
def _limiter(redis_url: str) -> limits.strategies.MovingWindowRateLimiter:
    """One per REDIS_URL, made on first use: not at import, before the settings are final."""
    return limits.strategies.MovingWindowRateLimiter(storage(redis_url))


class TooManyFailedLogins(Throttled):
    """429 {"detail": "Too many failed logins, try again later"}, with Retry-After."""

    default_detail = "Too many failed logins, try again later"

    def __init__(self, wait: int) -> None:
        super().__init__(detail=self.default_detail)
        self.wait = wait


@cache
def _limit(notation: str) -> limits.RateLimitItem:
    return limits.parse(notation)


def _keys(request: Request, email: str) -> list[tuple[str, str]]:
    # No account's email is longer than 254 characters: a longer one counts under its start,
    # so that a megabyte-long login name cannot take a megabyte of the counter's memory.
    return [("account", email.lower()[:254]), ("address", client_address(request))]


def check(request: Request, email: str) -> None:
    """Raise TooManyFailedLogins if this account or this address failed too often lately."""
    limit = _limit(settings.FAILED_LOGIN_LIMIT)
    limiter = _limiter(settings.REDIS_URL)
    try:
        for keys in _keys(request, email):
            if not limiter.test(limit, *keys):
                stats = limiter.get_window_stats(limit, *keys)
                raise TooManyFailedLogins(max(1, round(stats.reset_time - time.time())))
    except limits.errors.StorageError:
        raise RedisUnavailable from None


def record(request: Request, email: str) -> None:
    limit = _limit(settings.FAILED_LOGIN_LIMIT)
    limiter = _limiter(settings.REDIS_URL)
    try:
        for keys in _keys(request, email):
            limiter.hit(limit, *keys)
    except limits.errors.StorageError:
        raise RedisUnavailable from None


def forget_all() -> None:
    """Tests start from no failures."""
    _limiter(settings.REDIS_URL).storage.reset()
