"""Database tables, as SQLAlchemy 2.0 typed declarative models."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import Base, db

if TYPE_CHECKING:
    # db.Model is built from Base at run time, which type checkers cannot follow.
    Model = Base
else:
    Model = db.Model


class User(Model):
    __tablename__ = "users"

    # 64-bit ids; SQLite only auto-increments a column declared INTEGER.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    age: Mapped[int | None]
    hashed_password: Mapped[str] = mapped_column(String(255))
    # The role: admins (made only by `make createuser`) manage every account; see
    # api/access.py. Never part of the API's input or output.
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )
