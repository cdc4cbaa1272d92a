"""Dependencies shared by the routes: a database session per request, and rate limiting."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.ext.asyncio import AsyncSession


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.session_factory() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def rate_limit(request: Request) -> None:
    """Refuse a client address over RATE_LIMIT (counted per worker process, in memory)."""
    client = request.client.host if request.client else "unknown"
    if not request.app.state.rate_limiter.hit(request.app.state.rate_limit, client):
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail="Too many requests",
            headers={"Retry-After": "60"},
        )
