"""What `make migrate` and `make createuser` do, apart from the command line (cli.py), which
imports this only when one of them runs: the server's workers start without it.

Expected operational problems raise `OperationalProblem` with one line that says what is
wrong and what to do; cli.py prints it, never a traceback.
"""

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from . import crud
from .core.config import Settings
from .core.db import UNAVAILABLE_ERRORS, create_engine, create_session_factory
from .core.security import PasswordHasher
from .schemas import UserCreate

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"
# What a database step can raise: the outage errors, and any error the server answered with.
DATABASE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, *UNAVAILABLE_ERRORS)


class OperationalProblem(Exception):
    """An expected problem (the database down, missing, refusing the password), in one line."""


def migrate(settings: Settings, say: Callable[[str], object]) -> str:
    """Apply the migrations, creating the PostgreSQL database first if it is missing; the
    revision the database is at."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if settings.is_postgresql and _run(settings, _create_database_if_missing(settings)):
        say(f"Created database {make_url(settings.database_url).database!r}")
    config = Config(ALEMBIC_INI)
    try:
        command.upgrade(config, "head")
    except DATABASE_ERRORS as error:
        raise OperationalProblem(_database_problem(settings, error)) from None
    return ScriptDirectory.from_config(config).get_current_head() or "none"


def create_admin(settings: Settings, user_in: UserCreate) -> None:
    """Create an admin account; crud.EmailAlreadyUsedError if the email is taken."""
    _run(settings, _create_admin(settings, user_in))


def _run(settings: Settings, step: Coroutine[Any, Any, bool | None]) -> bool | None:
    try:
        return asyncio.run(step)
    except DATABASE_ERRORS as error:
        raise OperationalProblem(_database_problem(settings, error)) from None


async def _create_admin(settings: Settings, user_in: UserCreate) -> None:
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            hasher = PasswordHasher(concurrency=1)
            await crud.create_user(session, hasher, user_in, is_admin=True)
    finally:
        await engine.dispose()


async def _create_database_if_missing(settings: Settings) -> bool:
    """True if the database was missing and is now created (on the server's `postgres`)."""
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return False
    except DBAPIError as error:
        if _sqlstate(error) != "3D000":
            raise
    finally:
        await engine.dispose()
    name = make_url(settings.database_url).database or ""
    maintenance = make_url(settings.database_url).set(database="postgres")
    server = create_engine(
        settings.model_copy(
            update={"database_url": maintenance.render_as_string(hide_password=False)}
        )
    )
    try:
        async with server.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            quoted = server.dialect.identifier_preparer.quote(name)
            await connection.execute(text(f"CREATE DATABASE {quoted}"))
    except DBAPIError as error:
        raise OperationalProblem(
            f"database {name!r} does not exist and could not be created"
            f" ({str(error.orig).strip()}): create it with {_createdb(settings)}"
        ) from None
    finally:
        await server.dispose()
    return True


def _sqlstate(error: BaseException | None) -> str | None:
    """The PostgreSQL error code behind a driver error, if any."""
    while error is not None:
        code = getattr(error, "sqlstate", None)
        if isinstance(code, str):
            return code
        error = error.__cause__ or getattr(error, "orig", None)
    return None


def _createdb(settings: Settings) -> str:
    url = make_url(settings.database_url)
    options = [f"-h {url.host or '127.0.0.1'}", f"-p {url.port or 5432}"]
    if url.username:
        options.append(f"-U {url.username}")
    return f"createdb {' '.join(options)} {url.database}"


def _database_problem(settings: Settings, error: BaseException) -> str:
    """One line saying what is wrong with the database, and what to do."""
    url = make_url(settings.database_url)
    where = url.render_as_string(hide_password=True)
    code = _sqlstate(error)
    if code == "3D000":
        return (
            f"database {url.database!r} does not exist on {url.host}:{url.port or 5432}:"
            f" run `make migrate` to create it, or create it yourself: {_createdb(settings)}"
        )
    if code in ("28P01", "28000"):
        return f"the database refused the user or password in DATABASE_URL ({where})"
    if code is None:
        reason = str(getattr(error, "orig", None) or error).strip() or type(error).__name__
        if not settings.is_postgresql:
            return f"cannot open the database at {where}: {reason} (does its directory exist?)"
        return f"cannot use the database at {where}: {reason}. Is it running?"
    return f"the database at {where} answered: {str(getattr(error, 'orig', error)).strip()}"
