"""Failed-login throttling: FAILED_LOGIN_LIMIT, counted per account and per client address.

Argon2 makes each password check expensive, so guessing is slowed twice: one account cannot be
tried more than the limit from anywhere, and one address cannot try more than the limit across
accounts. The counters (a moving window) live where `rate_limiter` says:
Redis, shared by every process and replica, when REDIS_URL is set; else the process's memory.

A check still running counts against the limit too: a flood's first burst arrives all at once,
before any failure is recorded, and would otherwise start one Argon2 check per connection.
"""

import math
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from limits import parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

from .config import Settings
from .limiter import Limiter, MemoryLimiter, MemoryMovingWindow

Key = tuple[str, str]
# Seconds to connect to Redis and for each of its answers.
REDIS_TIMEOUT = 2.0


def rate_limiter(settings: Settings, *, exact: bool = False) -> Limiter:
    """Counters for one limit: in Redis with REDIS_URL (limits' strategies), else in this
    process's memory (core/limiter.py: the same algorithms, without limits' timer threads).
    `exact`: a moving window (small limits: failed logins); else a sliding window counter."""
    if settings.redis_url:
        strategy = MovingWindowRateLimiter if exact else SlidingWindowCounterRateLimiter
        return strategy(limits_storage(settings))
    return MemoryMovingWindow() if exact else MemoryLimiter()


def limits_storage(settings: Settings) -> Storage:
    """Where rate-limit counters live: Redis when REDIS_URL is set (a Redis that fails raises
    limits' StorageError, answered 503), else this process's memory."""
    if settings.redis_url:
        return RedisStorage(
            settings.redis_url,
            wrap_exceptions=True,
            socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT,
        )
    return MemoryStorage()


class FailedLogins:
    def __init__(self, limit: str, limiter: Limiter | None = None) -> None:
        self._limit = parse(limit)
        self._limiter = limiter or MemoryMovingWindow()
        self._running: Counter[Key] = Counter()

    @staticmethod
    def _keys(email: str, address: str) -> tuple[Key, Key]:
        return (("account", email.lower()), ("address", address))

    def retry_after(self, email: str, address: str) -> int | None:
        """Seconds until this account and address may try again; None if they may now."""
        waits: list[float] = []
        for key in self._keys(email, address):
            if not self._limiter.test(self._limit, *key):  # failed too often
                reset_time = self._limiter.get_window_stats(self._limit, *key).reset_time
                waits.append(reset_time - time.time())
            elif not self._limiter.test(self._limit, *key, cost=1 + self._running[key]):
                waits.append(1)  # the checks running now may use up what is left
        return max(1, math.ceil(max(waits))) if waits else None

    @contextmanager
    def attempt(self, email: str, address: str) -> Iterator[None]:
        """While a password check runs, it counts against the limit as if it had failed."""
        keys = self._keys(email, address)
        self._running.update(keys)
        try:
            yield
        finally:
            self._running.subtract(keys)
            for key in keys:
                if self._running[key] <= 0:
                    del self._running[key]

    def record(self, email: str, address: str) -> None:
        for key in self._keys(email, address):
            self._limiter.hit(self._limit, *key)
