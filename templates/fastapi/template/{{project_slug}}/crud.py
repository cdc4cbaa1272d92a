"""Queries on users, kept apart from HTTP so the API and the command line share them."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .core.security import PasswordHasher
from .models import User
from .schemas import UserCreate, UserUpdate


class EmailAlreadyUsedError(Exception):
    """Another user already has this email."""


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.lower()))


async def authenticate(
    session: AsyncSession, hasher: PasswordHasher, email: str, password: str
) -> User | None:
    """The user with this email and password; unknown emails cost as much as wrong passwords."""
    return await check_password(hasher, await get_user_by_email(session, email), password)


async def check_password(hasher: PasswordHasher, user: User | None, password: str) -> User | None:
    """`user` if the password is theirs; no user takes as long as a wrong password."""
    stored_hash = user.hashed_password if user else None
    valid = await hasher.verify(password, stored_hash)
    return user if user is not None and valid else None


async def release_connection(session: AsyncSession) -> None:
    """End the read transaction, so its pooled connection is free for other requests while
    this one waits (for Argon2, tens of milliseconds to seconds); the loaded objects stay
    readable (expire_on_commit=False) and the next query takes a connection again."""
    await session.commit()


async def list_users(session: AsyncSession, *, limit: int, offset: int) -> Sequence[User]:
    result = await session.scalars(select(User).order_by(User.id).limit(limit).offset(offset))
    return result.all()


async def create_user(
    session: AsyncSession, hasher: PasswordHasher, user_in: UserCreate, *, is_admin: bool = False
) -> User:
    """A new account; only `make createuser` passes `is_admin=True` (the API never does)."""
    fields = user_in.model_dump(exclude={"password"})
    await release_connection(session)  # the caller's lookups: not held while Argon2 runs
    hashed_password = await hasher.hash(user_in.password)
    user = User(**fields, hashed_password=hashed_password, is_admin=is_admin)
    session.add(user)
    await _commit(session)
    return user


async def update_user(
    session: AsyncSession, hasher: PasswordHasher, user: User, user_in: UserUpdate
) -> User:
    changes = user_in.model_dump(exclude_unset=True)
    if "password" in changes:
        await release_connection(session)  # not held while Argon2 runs
        changes["hashed_password"] = await hasher.hash(changes.pop("password"))
    for field, value in changes.items():
        setattr(user, field, value)
    await _commit(session)
    return user


async def delete_user(session: AsyncSession, user: User) -> None:
    await session.delete(user)
    await session.commit()


async def _commit(session: AsyncSession) -> None:
    """Commit; the unique index on email, not a prior lookup, decides duplicates (no race)."""
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise EmailAlreadyUsedError from error
