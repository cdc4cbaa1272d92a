"""Password hashing with Argon2 (pwdlib), bounded per process; JWT password fingerprints.

Argon2 is slow and memory-hungry on purpose, so a flood of logins could queue hashes without
end and exhaust memory: at most PASSWORD_HASH_CONCURRENCY run at once in a worker process, each
in a thread (never on the event loop), and a request that waits more than a second for a slot
is told to come back (503) instead of adding to the queue.
"""

import hashlib
import hmac
from base64 import urlsafe_b64encode
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

import anyio
from pwdlib import PasswordHash

password_hash = PasswordHash.recommended()

# How long a request waits for a free hashing slot before it is answered 503.
SLOT_WAIT_SECONDS = 1.0


class HashingBusyError(Exception):
    """Every hashing slot stayed busy for SLOT_WAIT_SECONDS."""


def hash_password(password: str) -> str:
    return password_hash.hash(password)


@cache
def _dummy_hash() -> str:
    return password_hash.hash("dummy password, never matches a real account")


def verify_password(password: str, hashed_password: str | None) -> bool:
    """Check a password; with no stored hash, verify a dummy one so timing stays the same."""
    if hashed_password is None:
        password_hash.verify(password, _dummy_hash())
        return False
    return password_hash.verify(password, hashed_password)


class PasswordHasher:
    """Runs Argon2 in worker threads, at most `concurrency` at a time (one per process)."""

    def __init__(self, concurrency: int, slot_wait_seconds: float = SLOT_WAIT_SECONDS) -> None:
        self._slots = anyio.Semaphore(concurrency)
        self._slot_wait_seconds = slot_wait_seconds

    async def hash(self, password: str) -> str:
        async with self._slot():
            return await anyio.to_thread.run_sync(hash_password, password)

    async def verify(self, password: str, hashed_password: str | None) -> bool:
        async with self._slot():
            return await anyio.to_thread.run_sync(verify_password, password, hashed_password)

    @asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        acquired = False
        with anyio.move_on_after(self._slot_wait_seconds):
            await self._slots.acquire()
            acquired = True
        if not acquired:
            raise HashingBusyError
        try:
            yield
        finally:
            self._slots.release()


def password_fingerprint(secret_key: str, hashed_password: str) -> str:
    """A short HMAC of the stored hash: tokens carry it (claim `pwd`), so a password change,
    which changes the hash, invalidates every token issued before it."""
    digest = hmac.new(secret_key.encode(), hashed_password.encode(), hashlib.sha256).digest()
    return urlsafe_b64encode(digest[:18]).decode()
