"""Minimal Flask service: the three measured endpoints and nothing else, on the template's stack
(Flask-SQLAlchemy over SQLite or psycopg, pwdlib's Argon2, HTTP Basic from the request)."""

import os
from datetime import datetime
from pathlib import Path

from flask import Flask, abort, request
from flask_sqlalchemy import SQLAlchemy
from pwdlib import PasswordHash
from sqlalchemy import select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from verified import check


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class User(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    email: Mapped[str]
    age: Mapped[int | None]
    hashed_password: Mapped[str]
    created_at: Mapped[datetime]


def database_uri() -> str:
    scheme, _, rest = os.environ.get("DATABASE_URL", "sqlite:///./app.db").partition("://")
    if scheme == "postgresql":
        return f"postgresql+psycopg://{rest}"
    # Flask-SQLAlchemy would take a relative SQLite path from the instance folder.
    return f"sqlite:///{Path.cwd() / Path(rest.removeprefix('/'))}"


password_hash = PasswordHash.recommended()
app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = database_uri()
db.init_app(app)


def public(user: User) -> dict[str, object]:
    return {"id": user.id, "name": user.name, "email": user.email, "age": user.age,
            "created_at": user.created_at}  # fmt: skip


def authenticate() -> None:
    auth = request.authorization
    if auth is None or not auth.username or not auth.password:
        abort(401)
    user = db.session.scalar(select(User).where(User.email == auth.username))
    if user is None or not check(
        user.email, auth.password, user.hashed_password, password_hash.verify
    ):
        abort(401)


@app.get("/health")
def health() -> dict[str, str]:
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@app.get("/users")
def users() -> list[dict[str, object]]:
    authenticate()
    limit = request.args.get("limit", 50, type=int)
    return [
        public(user) for user in db.session.scalars(select(User).order_by(User.id).limit(limit))
    ]


@app.patch("/users/<int:user_id>")
def update(user_id: int) -> dict[str, object]:
    authenticate()
    user = db.session.get(User, user_id) or abort(404)
    user.name = (request.get_json() or {})["name"]
    db.session.commit()
    return public(user)
