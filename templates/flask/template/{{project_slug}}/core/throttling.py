"""Failed-login throttling: FAILED_LOGIN_LIMIT failed password checks per account (the email as
sent, lower-cased) and per client address; beyond either, an attempt that would need a password
check is refused with 429 before any hashing, so a password flood costs the server nothing.

Credentials that verified recently (Basic's credential memory) never reach this check, so a
legitimate client keeps working while its address or account is being flooded. A check still
under way counts as a failure until it ends, and one the busy server could not make (503, no
hashing slot) counts as one: a flood's first burst arrives all at once, and on a slow machine no
check may finish for seconds, so without this the limit would never be reached.
"""

import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, request
from limits import parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from .config import Settings
from .security import PasswordHashBusyError

FAILED_LOGINS_DETAIL = "Too many failed logins, try again later"
# Seconds to connect to Redis (REDIS_URL) and for each of its answers.
REDIS_TIMEOUT = 2.0


def redis_options(settings: Settings) -> dict[str, Any]:
    """The `limits` storage options for REDIS_URL: bounded waits, and a failure raised as
    limits' StorageError (answered 503 by api/errors.py)."""
    if not settings.redis_url:
        return {}
    return {
        "wrap_exceptions": True,
        "socket_timeout": REDIS_TIMEOUT,
        "socket_connect_timeout": REDIS_TIMEOUT,
    }


def counts(settings: Settings) -> Storage:
    """Redis when REDIS_URL is set (shared by every process and replica), else memory."""
    if settings.redis_url:
        return RedisStorage(settings.redis_url, **redis_options(settings))
    return MemoryStorage()


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
                    retry_after = max(1, math.ceil(window.reset_time - time.time()))
                    raise TooManyRequests(description=FAILED_LOGINS_DETAIL, retry_after=retry_after)
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


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions["failed_logins"] = FailedLogins(settings.failed_login_limit, counts(settings))


def failed_logins() -> FailedLogins:
    logins: FailedLogins = current_app.extensions["failed_logins"]
    return logins
