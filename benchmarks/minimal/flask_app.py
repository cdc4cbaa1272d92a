"""Minimal Flask service: the two measured endpoints and nothing else, on the template's stack
(Flask-SQLAlchemy, pwdlib's Argon2, HTTP Basic from the request's authorization)."""

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


password_hash = PasswordHash.recommended()
app = Flask(__name__)
# Flask-SQLAlchemy would take a relative SQLite path from the instance folder.
app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path.cwd() / 'app.db'}"
db.init_app(app)


@app.get("/health")
def health() -> dict[str, str]:
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@app.get("/users")
def users() -> list[dict[str, object]]:
    auth = request.authorization
    if auth is None or not auth.username or not auth.password:
        abort(401)
    user = db.session.scalar(select(User).where(User.email == auth.username))
    if user is None or not check(
        user.email, auth.password, user.hashed_password, password_hash.verify
    ):
        abort(401)
    limit = request.args.get("limit", 50, type=int)
    rows = db.session.scalars(select(User).order_by(User.id).limit(limit))
    return [
        {"id": u.id, "name": u.name, "email": u.email, "age": u.age, "created_at": u.created_at}
        for u in rows
    ]
