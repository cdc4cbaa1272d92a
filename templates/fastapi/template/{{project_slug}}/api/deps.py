"""Dependencies shared by the routes: a database session and the authenticated user."""

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from sqlalchemy.ext.asyncio import AsyncSession

from .. import crud
from ..core.security import verify_password
from ..models import User

http_basic = HTTPBasic(description="Your account's email and password.")


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.session_factory() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_current_user(
    session: SessionDep, credentials: Annotated[HTTPBasicCredentials, Depends(http_basic)]
) -> User:
    """One path for unknown emails and wrong passwords, so neither answers faster."""
    user = await crud.get_user_by_email(session, credentials.username)
    stored_hash = user.hashed_password if user else None
    valid = await anyio.to_thread.run_sync(verify_password, credentials.password, stored_hash)
    if user is None or not valid:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect email or password",
            headers={"WWW-Authenticate": "Basic"},
        )
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
