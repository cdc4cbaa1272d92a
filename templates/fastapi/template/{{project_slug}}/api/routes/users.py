"""The /users resource. Every route requires an authenticated user."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status

from ... import crud
from ...models import User
from ...schemas import UserCreate, UserPublic, UserUpdate
from ..auth import get_current_user
from ..deps import SessionDep, rate_limit
from ..responses import CONFLICT, MALFORMED, NOT_FOUND, UNAUTHORIZED

router = APIRouter(
    prefix="/users",
    tags=["users"],
    dependencies=[Depends(rate_limit), Depends(get_current_user)],
    responses=UNAUTHORIZED,
)

UserId = Annotated[int, Path(ge=1, le=2**63 - 1)]


async def get_user_or_404(session: SessionDep, user_id: UserId) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="User not found")
    return user


UserOr404 = Annotated[User, Depends(get_user_or_404)]


def _conflict() -> HTTPException:
    return HTTPException(status_code=status.HTTP_409_CONFLICT, detail="Email already used")


@router.post("", status_code=status.HTTP_201_CREATED, responses=CONFLICT | MALFORMED)
async def create_user(
    session: SessionDep, user_in: UserCreate, request: Request, response: Response
) -> UserPublic:
    try:
        user = await crud.create_user(session, user_in)
    except crud.EmailAlreadyUsedError:
        raise _conflict() from None
    response.headers["Location"] = request.app.url_path_for("read_user", user_id=user.id)
    return UserPublic.model_validate(user)


@router.get("")
async def list_users(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
) -> list[UserPublic]:
    users = await crud.list_users(session, limit=limit, offset=offset)
    return [UserPublic.model_validate(user) for user in users]


@router.get("/{user_id}", responses=NOT_FOUND)
async def read_user(user: UserOr404) -> UserPublic:
    return UserPublic.model_validate(user)


@router.patch("/{user_id}", responses=NOT_FOUND | CONFLICT | MALFORMED)
async def update_user(session: SessionDep, user: UserOr404, user_in: UserUpdate) -> UserPublic:
    try:
        user = await crud.update_user(session, user, user_in)
    except crud.EmailAlreadyUsedError:
        raise _conflict() from None
    return UserPublic.model_validate(user)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_user(session: SessionDep, user: UserOr404) -> None:
    await crud.delete_user(session, user)
