"""The /users resource. Every route requires an authenticated account, and api/access.py
decides what it may see and change (POST /users may be open: OPEN_SIGNUP)."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status

from ... import crud
from ...schemas import UserCreate, UserPublic, UserUpdate
from ..access import RULE, CreatorCheck, ManagedUser, visible_users
from ..auth import CurrentUser
from ..deps import HasherDep, SessionDep, rate_limit
from ..responses import CONFLICT, FORBIDDEN, MALFORMED, NOT_FOUND, UNAUTHORIZED

router = APIRouter(
    prefix="/users", tags=["users"], dependencies=[Depends(rate_limit)], responses=UNAUTHORIZED
)


def _conflict() -> HTTPException:
    return HTTPException(status_code=status.HTTP_409_CONFLICT, detail="Email already used")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=FORBIDDEN | CONFLICT | MALFORMED,
    dependencies=[CreatorCheck],
    description="Create an ordinary account. Only admins may, unless the service runs with"
    " OPEN_SIGNUP=true, which opens this endpoint to anyone, with or without credentials."
    " Admins are made only by `make createuser`.",
)
async def create_user(
    session: SessionDep,
    hasher: HasherDep,
    user_in: UserCreate,
    request: Request,
    response: Response,
) -> UserPublic:
    try:
        user = await crud.create_user(session, hasher, user_in)
    except crud.EmailAlreadyUsedError:
        raise _conflict() from None
    response.headers["Location"] = request.app.url_path_for("read_user", user_id=user.id)
    return UserPublic.model_validate(user)


@router.get(
    "",
    description="Accounts in creation order. An admin sees every account; any other account"
    " sees a list holding only itself (and nothing past the first page).",
)
async def list_users(
    session: SessionDep,
    actor: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
) -> list[UserPublic]:
    users = await visible_users(session, actor, limit=limit, offset=offset)
    return [UserPublic.model_validate(user) for user in users]


@router.get("/{user_id}", responses=NOT_FOUND, description=RULE)
async def read_user(user: ManagedUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.patch("/{user_id}", responses=NOT_FOUND | CONFLICT | MALFORMED, description=RULE)
async def update_user(
    session: SessionDep, hasher: HasherDep, user: ManagedUser, user_in: UserUpdate
) -> UserPublic:
    try:
        user = await crud.update_user(session, hasher, user, user_in)
    except crud.EmailAlreadyUsedError:
        raise _conflict() from None
    return UserPublic.model_validate(user)


@router.delete(
    "/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND, description=RULE
)
async def delete_user(session: SessionDep, user: ManagedUser) -> None:
    await crud.delete_user(session, user)
