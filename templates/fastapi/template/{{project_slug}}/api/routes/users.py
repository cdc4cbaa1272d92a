"""The /users resource. Every route requires an authenticated account, and api/access.py
decides what it may see and change (POST /users may be open: OPEN_SIGNUP)."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status

from ... import crud
from ...core import events
from ...schemas import User, UserCreate, UserUpdate
from ..access import RULE, CreatorCheck, ManagedUser, visible_users
from ..auth import CurrentUser
from ..deps import HasherDep, SessionDep, rate_limit
from ..responses import CONFLICT, FORBIDDEN, JSON_BODY, NOT_FOUND, UNAUTHORIZED

router = APIRouter(
    prefix="/users", tags=["users"], dependencies=[Depends(rate_limit)], responses=UNAUTHORIZED
)


def _conflict() -> HTTPException:
    return HTTPException(status_code=status.HTTP_409_CONFLICT, detail="Email already used")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=FORBIDDEN | CONFLICT | JSON_BODY,
    dependencies=[CreatorCheck],
    operation_id="createUser",
    summary="Create an account",
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
) -> User:
    try:
        user = await crud.create_user(session, hasher, user_in)
    except crud.EmailAlreadyUsedError:
        raise _conflict() from None
    await events.user_created(user)
    response.headers["Location"] = request.app.url_path_for("read_user", user_id=user.id)
    return User.model_validate(user)


@router.get(
    "",
    operation_id="listUsers",
    summary="List accounts",
    description="Accounts in creation order. An admin sees every account; any other account"
    " sees a list holding only itself (and nothing past the first page).",
)
async def list_users(
    session: SessionDep,
    actor: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[User]:
    users = await visible_users(session, actor, limit=limit, offset=offset)
    return [User.model_validate(user) for user in users]


@router.get(
    "/{user_id}",
    responses=NOT_FOUND,
    operation_id="getUser",
    summary="Read an account",
    description=RULE,
)
async def read_user(user: ManagedUser) -> User:
    return User.model_validate(user)


@router.patch(
    "/{user_id}",
    responses=NOT_FOUND | CONFLICT | JSON_BODY,
    operation_id="updateUser",
    summary="Change an account",
    description=RULE,
)
async def update_user(
    session: SessionDep, hasher: HasherDep, user: ManagedUser, user_in: UserUpdate
) -> User:
    try:
        user = await crud.update_user(session, hasher, user, user_in)
    except crud.EmailAlreadyUsedError:
        raise _conflict() from None
    return User.model_validate(user)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=NOT_FOUND,
    operation_id="deleteUser",
    summary="Delete an account",
    description=RULE,
)
async def delete_user(session: SessionDep, user: ManagedUser) -> None:
    await crud.delete_user(session, user)
