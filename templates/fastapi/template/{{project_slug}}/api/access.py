"""Who may do what with accounts: the one place the authorization rule lives.

Two roles. An admin (an account made by `make createuser`) manages every account. Every other
account is ordinary: it reads, changes and deletes only its own record, lists only itself, and
another account's id answers 404 "User not found", exactly as a missing id does, so ids cannot
be probed. Creating accounts is for admins (403 for others) unless OPEN_SIGNUP=true, which opens
POST /users to anyone, with or without credentials. The role is not part of the API: only
`make createuser` makes an admin.
"""

from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, HTTPException, Path, status

from .. import crud
from ..models import User
from .auth import CurrentUser, OptionalUser, not_authenticated
from .deps import SessionDep, SettingsDep

UserId = Annotated[int, Path(ge=1)]
# Ids are 64-bit: a larger one names no account (and would overflow the database's integer).
MAX_ID = 2**63 - 1

RULE = (
    "Admins (accounts made by `make createuser`) manage every account. Any other account sees"
    " and changes only its own record: anyone else's id answers 404, as a missing one does."
)


def user_not_found() -> HTTPException:
    return HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="User not found")


def may_manage(actor: User, user_id: int) -> bool:
    return actor.is_admin or actor.id == user_id


async def get_managed_user(session: SessionDep, actor: CurrentUser, user_id: UserId) -> User:
    """The user `user_id` if the current account may manage it, else 404."""
    allowed = user_id <= MAX_ID and may_manage(actor, user_id)
    user = await session.get(User, user_id) if allowed else None
    if user is None:
        raise user_not_found()
    return user


async def visible_users(
    session: SessionDep, actor: User, *, limit: int, offset: int
) -> Sequence[User]:
    """A page of the accounts the current account may see: all for admins, else itself."""
    if offset > MAX_ID:
        return []  # past any table's end (and past what the database's OFFSET takes)
    if actor.is_admin:
        return await crud.list_users(session, limit=limit, offset=offset)
    return [actor] if offset == 0 else []


async def may_create_accounts(settings: SettingsDep, actor: OptionalUser) -> None:
    """Admins create accounts; others only with OPEN_SIGNUP=true (credentials optional then)."""
    if settings.open_signup:
        return
    if actor is None:
        raise not_authenticated()  # with the scheme's WWW-Authenticate
    if not actor.is_admin:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail="Only admins can create accounts"
        )


ManagedUser = Annotated[User, Depends(get_managed_user)]
CreatorCheck = Depends(may_create_accounts)
