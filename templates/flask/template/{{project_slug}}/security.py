"""Password hashing with Argon2 (pwdlib); unknown users cost as much as known ones."""

from functools import cache

from pwdlib import PasswordHash

password_hash = PasswordHash.recommended()


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
