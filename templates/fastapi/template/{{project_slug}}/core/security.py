"""Password hashing with Argon2 (pwdlib), bounded per process; JWT password fingerprints.

Argon2 is slow and memory-hungry on purpose, so a flood of logins could queue hashes without
end and exhaust memory: at most PASSWORD_HASH_CONCURRENCY run at once in a worker process, each
in a thread (never on the event loop), and a request that waits more than a second for a slot
is told to come back (503) instead of adding to the queue.

The hashing threads also run at a lower CPU priority (Linux: nice 10, a per-thread setting that
the threads Argon2 starts for its lanes inherit): when a flood keeps them busy, the event loop
still gets the CPU first, so requests that need no hashing (a client whose credentials are
remembered, a token holder, a throttled guess) keep answering within milliseconds.
"""

import asyncio
import hashlib
import hmac
import os
import sys
import threading
from base64 import urlsafe_b64encode
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from functools import cache

import anyio
from pwdlib import PasswordHash

password_hash = PasswordHash.recommended()

# How long a request waits for a free hashing slot before it is answered 503.
SLOT_WAIT_SECONDS = 1.0
# Added to the nice value of hashing threads: the event loop then weighs about 9 times more.
HASHING_NICENESS = 10


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


def _lower_priority() -> None:
    """Started in each hashing thread: only Linux sets the nice value of one thread."""
    if sys.platform == "linux":
        thread = threading.get_native_id()
        with suppress(OSError):
            niceness = os.getpriority(os.PRIO_PROCESS, thread) + HASHING_NICENESS
            os.setpriority(os.PRIO_PROCESS, thread, min(19, niceness))


class PasswordHasher:
    """Runs Argon2 in its own low-priority threads, at most `concurrency` at a time (one
    pool per process)."""

    def __init__(self, concurrency: int, slot_wait_seconds: float = SLOT_WAIT_SECONDS) -> None:
        self._slots = anyio.Semaphore(concurrency)
        self._slot_wait_seconds = slot_wait_seconds
        self._threads = ThreadPoolExecutor(
            max_workers=concurrency, thread_name_prefix="argon2", initializer=_lower_priority
        )

    async def hash(self, password: str) -> str:
        async with self._slot():
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._threads, hash_password, password)

    async def verify(self, password: str, hashed_password: str | None) -> bool:
        async with self._slot():
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._threads, verify_password, password, hashed_password
            )

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
