"""Failed-login throttling: FAILED_LOGIN_LIMIT, counted per account and per client address.

Argon2 makes each password check expensive, so guessing is slowed twice: one account cannot be
tried more than the limit from anywhere, and one address cannot try more than the limit across
accounts. Counters live in the worker process's memory (the `limits` library, moving window).
"""

import math
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class FailedLogins:
    def __init__(self, limit: str) -> None:
        self._limit = parse(limit)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    @staticmethod
    def _keys(email: str, address: str) -> tuple[tuple[str, str], ...]:
        return (("account", email.lower()), ("address", address))

    def retry_after(self, email: str, address: str) -> int | None:
        """Seconds until this account and address may try again; None if they may now."""
        waits = [
            self._limiter.get_window_stats(self._limit, *key).reset_time - time.time()
            for key in self._keys(email, address)
            if not self._limiter.test(self._limit, *key)
        ]
        return max(1, math.ceil(max(waits))) if waits else None

    def record(self, email: str, address: str) -> None:
        for key in self._keys(email, address):
            self._limiter.hit(self._limit, *key)
