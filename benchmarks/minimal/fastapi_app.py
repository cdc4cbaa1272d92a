"""Minimal FastAPI service: the two measured endpoints and nothing else, on the template's stack
(SQLAlchemy's asyncio session over aiosqlite, pwdlib's Argon2, HTTP Basic)."""

from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pwdlib import PasswordHash
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from verified import check


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


Session = async_sessionmaker(create_async_engine("sqlite+aiosqlite:///./app.db"))
password_hash = PasswordHash.recommended()
basic = HTTPBasic()
app = FastAPI()


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
        user = await session.scalar(select(User).where(User.email == credentials.username))
        if user is None or not check(
            user.email, credentials.password, user.hashed_password, password_hash.verify
        ):
            raise HTTPException(401)
        rows = await session.scalars(select(User).order_by(User.id).limit(limit))
        return [
            {"id": u.id, "name": u.name, "email": u.email, "age": u.age, "created_at": u.created_at}
            for u in rows
        ]
