"""Failed-login throttling: FAILED_LOGIN_LIMIT failed password checks per account (the email as
sent, lower-cased) and per client address; beyond either, an attempt that would need a password
check is refused with 429 before any hashing, so a password flood costs the server nothing.

Credentials that verified recently (Basic's credential memory) never reach this check, so a
legitimate client keeps working while its address or account is being flooded.
"""

import math
import time

from flask import Flask, current_app, request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from .config import Config

FAILED_LOGINS_DETAIL = "Too many failed logins, try again later"


class FailedLogins:
    """Counts failed password checks in this process's memory (per worker, as RATE_LIMIT)."""

    def __init__(self, limit: str) -> None:
        self._limit = parse(limit)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    @staticmethod
    def _keys(email: str) -> tuple[tuple[str, str], ...]:
        return (("account", email.lower()), ("address", request.remote_addr or "-"))

    def check(self, email: str) -> None:
        """Raise 429 (with Retry-After) if the account or the address is over the limit."""
        for key in self._keys(email):
            if not self._limiter.test(self._limit, *key):
                reset_at = self._limiter.get_window_stats(self._limit, *key).reset_time
                retry_after = max(1, math.ceil(reset_at - time.time()))
                raise TooManyRequests(description=FAILED_LOGINS_DETAIL, retry_after=retry_after)

    def record_failure(self, email: str) -> None:
        for key in self._keys(email):
            self._limiter.hit(self._limit, *key)


def init_app(app: Flask, config: Config) -> None:
    app.extensions["failed_logins"] = FailedLogins(config.failed_login_limit)


def failed_logins() -> FailedLogins:
    logins: FailedLogins = current_app.extensions["failed_logins"]
    return logins
