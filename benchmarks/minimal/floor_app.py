"""The raw floor: bare Starlette and the database driver itself (asyncpg, or aiosqlite for
SQLite), no ORM, no validation library, no middleware; verified credentials kept in a set.
The same three endpoints and the same JSON as the templates: about the most Python does here.
Run by Uvicorn from the FastAPI project's environment."""

import base64
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from pwdlib import PasswordHash
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///./app.db")
COLUMNS = "id, name, email, age, created_at"
password_hash = PasswordHash.recommended()
verified: set[str] = set()  # Authorization headers that passed Argon2 once


class Database:
    """asyncpg's pool, or one aiosqlite connection: `fetch` rows as dicts, `execute` a write."""

    fetch: Callable[..., Awaitable[list[dict[str, Any]]]]

    async def open(self) -> None:
        if DATABASE_URL.startswith("postgresql"):
            import asyncpg

            pool = await asyncpg.create_pool(DATABASE_URL, min_size=2, max_size=10)

            async def fetch(query: str, *arguments: object) -> list[dict[str, Any]]:
                query = query.replace("?", "${}").format(*range(1, query.count("?") + 1))
                return [dict(row) for row in await pool.fetch(query, *arguments)]

        else:
            import aiosqlite

            # Autocommit: each statement its own transaction. The coroutines of a worker share
            # the connection, and a commit while another's statement is in progress fails.
            connection = await aiosqlite.connect(
                DATABASE_URL.removeprefix("sqlite:///"), isolation_level=None
            )
            connection.row_factory = aiosqlite.Row

            async def fetch(query: str, *arguments: object) -> list[dict[str, Any]]:
                async with connection.execute(query, arguments) as cursor:
                    return [dict(row) for row in await cursor.fetchall()]

        self.fetch = fetch


database = Database()


async def authenticated(request: Request) -> bool:
    header = request.headers.get("authorization", "")
    if header in verified:
        return True
    email, _, password = base64.b64decode(header.partition(" ")[2]).decode().partition(":")
    rows = await database.fetch("SELECT hashed_password FROM users WHERE email = ?", email)
    if rows and password_hash.verify(password, rows[0]["hashed_password"]):
        verified.add(header)
        return True
    return False


def user_json(row: dict[str, Any]) -> dict[str, Any]:
    return row | {"created_at": str(row["created_at"])}


async def health(request: Request) -> Response:
    await database.fetch("SELECT 1")
    return JSONResponse({"status": "ok"})


async def users(request: Request) -> Response:
    if not await authenticated(request):
        return JSONResponse({"detail": "Not authenticated"}, status_code=401)
    limit = int(request.query_params.get("limit", "50"))
    rows = await database.fetch(f"SELECT {COLUMNS} FROM users ORDER BY id LIMIT ?", limit)  # noqa: S608
    return JSONResponse([user_json(row) for row in rows])


async def update(request: Request) -> Response:
    if not await authenticated(request):
        return JSONResponse({"detail": "Not authenticated"}, status_code=401)
    name = json.loads(await request.body())["name"]
    rows = await database.fetch(
        f"UPDATE users SET name = ? WHERE id = ? RETURNING {COLUMNS}",  # noqa: S608
        name,
        int(request.path_params["user_id"]),
    )
    if not rows:
        return JSONResponse({"detail": "User not found"}, status_code=404)
    return JSONResponse(user_json(rows[0]))


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    await database.open()
    yield


app = Starlette(
    routes=[
        Route("/health", health),
        Route("/users", users),
        Route("/users/{user_id:int}", update, methods=["PATCH"]),
    ],
    lifespan=lifespan,
)
