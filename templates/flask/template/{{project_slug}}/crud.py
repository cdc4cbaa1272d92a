"""Queries on users, kept apart from HTTP so the API and the command line share them."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, bindparam, select
from sqlalchemy.exc import IntegrityError

from .core.security import hash_password, verify_password
from .extensions import db
from .models import User
from .schemas import UserCreate, UserUpdate

# The statements of the hot paths, built once with parameters instead of for every request.
USER_BY_EMAIL = select(User).where(User.email == bindparam("email"))
USERS_PAGE = (
    select(User)
    .order_by(User.id)
    .limit(bindparam("limit", type_=BigInteger))
    .offset(bindparam("offset", type_=BigInteger))
)


class EmailAlreadyUsedError(Exception):
    """Another user already has this email."""


def get_user_by_email(email: str) -> User | None:
    if "\x00" in email:  # PostgreSQL cannot even compare it: it matches nobody
        return None
    user: User | None = db.session.execute(
        USER_BY_EMAIL, {"email": email.lower()}
    ).scalar_one_or_none()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user with this email and password; unknown emails cost as much as wrong passwords."""
    return check_password(get_user_by_email(email), password)


def check_password(user: User | None, password: str) -> User | None:
    """`user` if the password is theirs; no user takes as long as a wrong password.

    The session gives its connection back to the pool first (`user` stays readable, detached):
    a request waiting for an Argon2 slot, then hashing, must not hold one of the few
    connections that every other request needs (in a password flood, they all would).
    """
    hashed_password = user.hashed_password if user else None
    db.session.close()
    valid = verify_password(password, hashed_password)
    return user if user is not None and valid else None


def list_users(*, limit: int, offset: int) -> Sequence[User]:
    return db.session.scalars(USERS_PAGE, {"limit": limit, "offset": offset}).all()


def create_user(user_in: UserCreate, *, is_admin: bool = False) -> User:
    """A new account; only `flask create-user` (make createuser) makes admins."""
    user = User(
        name=user_in["name"],
        email=user_in["email"],
        age=user_in.get("age"),
        hashed_password=hash_password(user_in["password"]),
        is_admin=is_admin,
    )
    db.session.add(user)
    _commit()
    return user


def update_user(user: User, changes: UserUpdate) -> User:
    values: dict[str, Any] = dict(changes)
    if "password" in values:
        values["hashed_password"] = hash_password(values.pop("password"))
    for field, value in values.items():
        setattr(user, field, value)
    _commit()
    return user


def delete_user(user: User) -> None:
    db.session.delete(user)
    db.session.commit()


def _commit() -> None:
    """Commit; the unique index on email, not a prior lookup, decides duplicates (no race)."""
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise EmailAlreadyUsedError from error
