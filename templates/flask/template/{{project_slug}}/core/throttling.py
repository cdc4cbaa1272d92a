"""Rate limits, counted where `counts` says (Redis when REDIS_URL is set, else this process's
memory):

- RATE_LIMIT: requests per client address to the blueprints that need credentials (and
  POST /token), one count for all of them (a sliding window counter), checked before the
  credentials; beyond it, 429 with Retry-After. One check with `limits`, where Flask-Limiter
  (built on it) resolved its decorated, blueprint, default and application limits on every
  request: a sixth of an authenticated read's instructions, measured.
- FAILED_LOGIN_LIMIT: failed password checks per account (the email as sent, lower-cased) and
  per client address; beyond either, an attempt that would need a password check is refused
  with 429 before any hashing, so a password flood costs the server nothing.

Credentials that verified recently (Basic's credential memory) never reach the failed-login
check, so a legitimate client keeps working while its address or account is being flooded. A
check still under way counts as a failure until it ends, and one the busy server could not make
(503, no hashing slot) counts as one: a flood's first burst arrives all at once, and on a slow
machine no check may finish for seconds, so without this the limit would never be reached.
"""

import math
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from flask import Blueprint, Flask, current_app, request
from limits import parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
from werkzeug.exceptions import TooManyRequests

from .config import Settings
from .security import PasswordHashBusyError

RATE_LIMITED_DETAIL = "Too many requests"
FAILED_LOGINS_DETAIL = "Too many failed logins, try again later"
# Seconds to connect to Redis (REDIS_URL) and for each of its answers.
REDIS_TIMEOUT = 2.0


def counts(settings: Settings) -> Storage:
    """Redis when REDIS_URL is set (shared by every process and replica; each wait on it
    bounded, a failure raised as limits' StorageError, answered 503 by api/errors.py), else
    this process's memory."""
    if settings.redis_url:
        return RedisStorage(
            settings.redis_url,
            wrap_exceptions=True,
            socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT,
        )
    return MemoryStorage()


def retry_after(reset_time: float) -> int:
    """Whole seconds until `reset_time` (an epoch time), at least one."""
    return max(1, math.ceil(reset_time - time.time()))


class RateLimit:
    """RATE_LIMIT per client address (the proxy's X-Forwarded-For only from TRUSTED_PROXIES:
    core/middleware.py), over the requests to `blueprints`, before their credentials."""

    def __init__(self, limit: str, storage: Storage, blueprints: Iterable[Blueprint]) -> None:
        self._limit = parse(limit)
        self._limiter = SlidingWindowCounterRateLimiter(storage)
        self._blueprints = frozenset(blueprint.name for blueprint in blueprints)

    def check(self) -> None:
        """A before_request hook: 429, with Retry-After, once the address is over the limit."""
        if request.blueprint not in self._blueprints:
            return
        key = ("requests", request.remote_addr or "-")
        if self._limiter.hit(self._limit, *key):
            return
        window = self._limiter.get_window_stats(self._limit, *key)
        raise TooManyRequests(
            description=RATE_LIMITED_DETAIL, retry_after=retry_after(window.reset_time)
        )


class FailedLogins:
    """Counts failed password checks where RATE_LIMIT is counted (`counts`)."""

    def __init__(self, limit: str, storage: Storage | None = None) -> None:
        self._limit = parse(limit)
        self._limiter = MovingWindowRateLimiter(storage or MemoryStorage())
        # Password checks under way in this process, per key, count as failures until they end:
        # otherwise a burst of attempts all pass the check before the first of them has failed,
        # and queue for the hashing slots (measured: 4 s for a legitimate request, in a flood).
        self._pending: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    @staticmethod
    def _keys(email: str) -> tuple[tuple[str, str], ...]:
        return (("account", email.lower()), ("address", request.remote_addr or "-"))

    @contextmanager
    def attempt(self, email: str) -> Iterator[None]:
        """Around one password check (call record_failure inside when it fails): 429, with
        Retry-After, if the account's or the address's failures, with the checks of theirs
        still under way, have reached the limit."""
        keys = self._keys(email)
        windows = [self._limiter.get_window_stats(self._limit, *key) for key in keys]
        with self._lock:
            for key, window in zip(keys, windows, strict=True):
                failures = self._limit.amount - window.remaining
                if failures + self._pending[key] >= self._limit.amount:
                    raise TooManyRequests(
                        description=FAILED_LOGINS_DETAIL,
                        retry_after=retry_after(window.reset_time),
                    )
            self._pending.update(keys)
        try:
            yield
        except PasswordHashBusyError:  # not checked, but counted: a flood trips the limit as
            self.record_failure(email)  # soon when hashing is slow (503s) as when it is fast
            raise
        finally:
            with self._lock:
                self._pending.subtract(keys)
                for key in keys:
                    if self._pending[key] <= 0:
                        del self._pending[key]

    def record_failure(self, email: str) -> None:
        for key in self._keys(email):
            self._limiter.hit(self._limit, *key)


def init_app(app: Flask, settings: Settings, rate_limited: Iterable[Blueprint]) -> None:
    """Call before the blueprints are registered (and after core/middleware.py, whose hooks
    come first); `rate_limited` are the ones that need credentials (and POST /token)."""
    storage = counts(settings)
    rate_limit = RateLimit(settings.rate_limit, storage, rate_limited)
    app.before_request(rate_limit.check)
    app.extensions["failed_logins"] = FailedLogins(settings.failed_login_limit, storage)


def failed_logins() -> FailedLogins:
    logins: FailedLogins = current_app.extensions["failed_logins"]
    return logins
