"""The database engine and sessions; the engine lives as long as the application.

Every wait on the database is bounded by DATABASE_TIMEOUT: connecting, waiting for a pooled
connection, and each statement. The statement timeout is the client's own (the driver stops
waiting), because a server that has gone silent never sees a server-side one.
"""

from typing import Any

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from .config import Settings


def connect_args(settings: Settings) -> dict[str, Any]:
    timeout = settings.database_timeout
    if settings.is_postgresql:
        # asyncpg: `timeout` bounds connecting (TCP and start-up), `command_timeout` every query.
        return {
            "timeout": timeout,
            "command_timeout": timeout,
            "server_settings": {"statement_timeout": str(int(timeout * 1000))},
        }
    # SQLite: how long to wait for another connection's lock.
    return {"timeout": timeout}


def create_engine(settings: Settings) -> AsyncEngine:
    return create_async_engine(
        settings.sqlalchemy_database_url,
        pool_pre_ping=True,  # a connection the server dropped is replaced, not handed out
        pool_timeout=settings.database_timeout,
        connect_args=connect_args(settings),
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Objects stay readable after commit, so a handler can return what it just saved.
    return async_sessionmaker(engine, expire_on_commit=False)


# What a database that is down, refusing, unreachable or silent raises: answered 503.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,  # refused, lost, or SQLite's file cannot be opened
    InterfaceError,  # the driver's connection is closed or broken
    SQLAlchemyTimeoutError,  # no pooled connection within DATABASE_TIMEOUT
    DisconnectionError,
    TimeoutError,  # connect or statement timeout (asyncio's, the driver's)
    OSError,  # connection refused or reset before the driver wrapped it
)
