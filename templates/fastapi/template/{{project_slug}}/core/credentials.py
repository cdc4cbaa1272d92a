"""A short-lived, bounded, per-process memory of HTTP Basic credentials that verified.

Argon2 is slow on purpose (tens of milliseconds), and Basic sends the password with every
request, so verifying each time caps a worker at a few dozen requests per second. Once a
password verified, its (email, password) pair is remembered for a short time as an HMAC under
SECRET_KEY, never as text, together with the stored hash it matched: a changed password (a new
hash) or an expired entry sends the request back to Argon2. Stored hashes stay as strong as
ever; the trade-off is that a stolen-memory attacker could test guesses against the HMACs of the
last minute, and a password change takes effect at once only because the hash comparison
fails.
"""

import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class _Entry:
    hashed_password: str
    expires_at: float


class VerifiedCredentials:
    def __init__(self, secret_key: bytes, *, ttl_seconds: float = 60, max_entries: int = 1024):
        self._secret_key = secret_key
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()
        # Development servers and threaded workers serve requests from several threads.
        self._lock = threading.Lock()

    def key(self, email: str, password: str) -> bytes:
        """The pair as this process knows it: an HMAC, never the password."""
        message = email.lower().encode() + b"\0" + password.encode()
        return hmac.new(self._secret_key, message, hashlib.sha256).digest()

    def recalls(self, email: str, password: str) -> bool:
        """True if this pair verified within the last `ttl_seconds` (against some hash): worth
        a query to compare with the stored hash. Strangers' guesses cost no query at all."""
        key = self.key(email, password)
        with self._lock:
            entry = self._entries.get(key)
            return entry is not None and entry.expires_at >= time.monotonic()

    def verified(self, email: str, password: str, hashed_password: str) -> bool:
        """True if this pair matched this very hash within the last `ttl_seconds`."""
        key = self.key(email, password)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.expires_at < time.monotonic():
                self._entries.pop(key, None)
                return False
        return hmac.compare_digest(entry.hashed_password, hashed_password)

    def remember(self, email: str, password: str, hashed_password: str) -> None:
        key = self.key(email, password)
        with self._lock:
            self._entries[key] = _Entry(hashed_password, time.monotonic() + self._ttl)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
