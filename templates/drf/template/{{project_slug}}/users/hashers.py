"""Django's Argon2 hasher, bounded: at most PASSWORD_HASH_CONCURRENCY hashes or checks at once
per worker process. Argon2 takes tens of milliseconds and megabytes each, on purpose; without
a bound a flood of password attempts takes every core and all memory from everyone else."""

import threading
from functools import cache

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection
from rest_framework import status
from rest_framework.exceptions import APIException

WAIT_SECONDS = 1


class HashingBusy(APIException):
    """503 {"detail": "Server busy, try again"}, Retry-After: 1."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Server busy, try again"
    default_code = "server_busy"
    wait = WAIT_SECONDS  # DRF's handler turns it into Retry-After


@cache
def _slots(concurrency: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(concurrency)


class _Slot:
    def __enter__(self) -> None:
        _release_database_connection()
        self.slots = _slots(settings.PASSWORD_HASH_CONCURRENCY)
        if not self.slots.acquire(timeout=WAIT_SECONDS):
            raise HashingBusy

    def __exit__(self, *exc_info: object) -> None:
        self.slots.release()


def _release_database_connection() -> None:
    """A pooled connection (PostgreSQL) goes back to the pool while this thread waits for a slot
    and hashes, up to a second or more: a flood of password attempts must not hold every pooled
    connection. The next query borrows one again. Inside a transaction it stays."""
    if getattr(connection, "pool", None) is not None and not connection.in_atomic_block:
        connection.close()


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    """Same algorithm name and hashes as Django's: existing passwords verify unchanged."""

    def encode(self, password: str, salt: str) -> str:
        with _Slot():
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with _Slot():
            return super().verify(password, encoded)
