"""Minimal FastAPI service: the three measured endpoints and nothing else, on the template's
stack (SQLAlchemy's asyncio session over aiosqlite or asyncpg, pwdlib's Argon2, HTTP Basic)."""

import os
from datetime import datetime
from typing import Annotated

from fastapi import Body, Depends, FastAPI, HTTPException
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pwdlib import PasswordHash
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from verified import check

DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    email: Mapped[str]
    age: Mapped[int | None]
    hashed_password: Mapped[str]
    created_at: Mapped[datetime]


scheme, _, rest = os.environ.get("DATABASE_URL", "sqlite:///./app.db").partition("://")
# The template's pool on SQLite (core/db.py: two connections, each an aiosqlite thread), so the
# ratio measures what the template adds, not a pool setting.
POOL = {"sqlite": {"pool_size": 2, "max_overflow": 0}, "postgresql": {}}
Session = async_sessionmaker(
    create_async_engine(f"{DRIVERS[scheme]}://{rest}", **POOL[scheme]), expire_on_commit=False
)
password_hash = PasswordHash.recommended()
basic = HTTPBasic()
app = FastAPI()


def public(user: User) -> dict[str, object]:
    return {"id": user.id, "name": user.name, "email": user.email, "age": user.age,
            "created_at": user.created_at}  # fmt: skip


async def authenticated(session: AsyncSession, credentials: HTTPBasicCredentials) -> User:
    user = await session.scalar(select(User).where(User.email == credentials.username))
    if user is None or not check(
        user.email, credentials.password, user.hashed_password, password_hash.verify
    ):
        raise HTTPException(401)
    return user


@app.get("/health")
async def health() -> dict[str, str]:
    async with Session() as session:
        await session.execute(text("SELECT 1"))
    return {"status": "ok"}


@app.get("/users")
async def users(
    credentials: Annotated[HTTPBasicCredentials, Depends(basic)], limit: int = 50
) -> list[dict[str, object]]:
    async with Session() as session:
        await authenticated(session, credentials)
        rows = await session.scalars(select(User).order_by(User.id).limit(limit))
        return [public(user) for user in rows]


@app.patch("/users/{user_id}")
async def update(
    user_id: int,
    credentials: Annotated[HTTPBasicCredentials, Depends(basic)],
    name: Annotated[str, Body(embed=True)],
) -> dict[str, object]:
    async with Session() as session:
        await authenticated(session, credentials)
        user = await session.get(User, user_id)
        if user is None:
            raise HTTPException(404)
        user.name = name
        await session.commit()
        return public(user)
