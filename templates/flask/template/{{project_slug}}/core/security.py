"""Password hashing with Argon2 (pwdlib); unknown users cost as much as known ones.

Each hash or verification takes tens of milliseconds of CPU and tens of MiB of memory, on
purpose. So at most PASSWORD_HASH_CONCURRENCY of them run at once in a process: a flood of
wrong passwords queues here instead of starving every other request, and a request that waits
more than a second for a slot is refused (503, Retry-After: 1) rather than kept waiting.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from pwdlib import PasswordHash

password_hash = PasswordHash.recommended()

SLOT_WAIT_SECONDS = 1.0
_slots = threading.BoundedSemaphore(2)


class PasswordHashBusyError(Exception):
    """Every hashing slot stayed taken for SLOT_WAIT_SECONDS: the server is busy."""


def limit_concurrency(concurrency: int) -> None:
    """Allow `concurrency` hashes at once in this process (PASSWORD_HASH_CONCURRENCY)."""
    global _slots  # one bound per process, set by create_app
    _slots = threading.BoundedSemaphore(concurrency)


@contextmanager
def _hashing_slot() -> Iterator[None]:
    slots = _slots
    if not slots.acquire(timeout=SLOT_WAIT_SECONDS):
        raise PasswordHashBusyError
    try:
        yield
    finally:
        slots.release()


def hash_password(password: str) -> str:
    with _hashing_slot():
        return password_hash.hash(password)


@cache
def _dummy_hash() -> str:
    return hash_password("dummy password, never matches a real account")


def verify_password(password: str, hashed_password: str | None) -> bool:
    """Check a password; with no stored hash, verify a dummy one so timing stays the same."""
    stored = _dummy_hash() if hashed_password is None else hashed_password
    with _hashing_slot():
        valid = password_hash.verify(password, stored)
    return valid and hashed_password is not None
