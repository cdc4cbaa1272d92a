"""The database engine and sessions; the engine lives as long as the application.

Every wait on the database is bounded by DATABASE_TIMEOUT: connecting, waiting for a pooled
connection, and each statement. The statement timeout is the client's own (the driver stops
waiting), because a server that has gone silent never sees a server-side one.
"""

import time
from typing import Any

from sqlalchemy import Engine, ExceptionContext, event
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection, PoolResetState

from .config import Settings

# A pooled connection idle longer than this, or whose last statement failed, is pinged before it
# is handed out. A busy pool's healthy connections are not: pinging every checkout
# (pool_pre_ping) costs a round trip per request. One the driver already knows is closed is
# replaced without a ping.
PING_AFTER_IDLE_SECONDS = 1.0
# aiosqlite runs each SQLite connection's statements on a thread of its own, and every such
# thread competes with the event loop for the GIL; SQLite runs one write at a time anyway. Two
# connections served 1.19 times the authenticated reads and writes per second of SQLAlchemy's
# default pool (5, and 10 more under load) with 64 clients on one worker.
SQLITE_POOL_SIZE = 2
# What the pool events note in a connection's `info` (cleared when the connection is replaced).
IDLE_SINCE = "idle_since"
LAST_USE_FAILED = "last_use_failed"


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


def pool_args(settings: Settings) -> dict[str, Any]:
    """SQLite: SQLITE_POOL_SIZE connections, reset by `roll_back_open_transactions` instead
    of the pool's unconditional rollback. PostgreSQL: SQLAlchemy's default pool."""
    if settings.is_postgresql:
        return {}
    return {"pool_size": SQLITE_POOL_SIZE, "max_overflow": 0, "pool_reset_on_return": None}


def create_engine(settings: Settings) -> AsyncEngine:
    engine = create_async_engine(
        settings.sqlalchemy_database_url,
        pool_timeout=settings.database_timeout,
        connect_args=connect_args(settings),
        **pool_args(settings),
    )
    ping_idle_or_failed_connections(engine.sync_engine)
    if not settings.is_postgresql:
        roll_back_open_transactions(engine.sync_engine)
    return engine


def roll_back_open_transactions(engine: Engine) -> None:
    """A connection the pool takes back is rolled back only if SQLite has a transaction open
    on it. The pool's own reset rolls back every time, after the session has already ended its
    transaction, and on aiosqlite a rollback is a hop to the connection's thread and back: one
    of the ten hops of an authenticated read, and of the six of /health, that buy nothing."""

    @event.listens_for(engine, "reset")
    def roll_back_if_open(
        dbapi_connection: Any, record: ConnectionPoolEntry, reset_state: PoolResetState
    ) -> None:
        if reset_state.asyncio_safe and _in_a_transaction(record.driver_connection):
            dbapi_connection.rollback()


def _in_a_transaction(driver_connection: Any) -> bool:
    try:
        return bool(driver_connection.in_transaction)
    except ValueError:  # aiosqlite's connection is closed: no transaction is left open on it
        return False


def ping_idle_or_failed_connections(engine: Engine) -> None:
    """A connection the server dropped while it sat in the pool (a restart, an outage, an idle
    timeout) is replaced before a request gets it, as pool_pre_ping would. asyncpg notices a
    server that closed the connection by itself, so such a connection is replaced at no cost,
    however briefly it sat idle (a restart within a second of the last request). Otherwise
    only a connection that sat idle, or whose last statement failed, is checked: one that
    answered a moment ago is alive, but one that failed a moment ago may be dead without the
    driver knowing, and under steady traffic it would never sit idle long enough to be
    checked."""

    @event.listens_for(engine, "checkin")
    def idle_from_now(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "handle_error")
    def suspect_after_a_failure(context: ExceptionContext) -> None:
        connection = context.connection
        if connection is None or connection.closed or connection.invalidated:
            return  # failed to connect, or already being replaced
        connection.info[LAST_USE_FAILED] = True

    @event.listens_for(engine, "checkout")
    def alive_or_replaced(
        dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
    ) -> None:
        if _closed_by_the_server(record):
            raise DisconnectionError("the server closed the connection")
        if not _worth_a_ping(record.info):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failed ping: the pool opens a new connection instead
            raise DisconnectionError(str(error)) from error


def _closed_by_the_server(record: ConnectionPoolEntry) -> bool:
    is_closed = getattr(record.driver_connection, "is_closed", None)  # asyncpg's; not SQLite's
    return is_closed is not None and bool(is_closed())


def _worth_a_ping(info: dict[Any, Any]) -> bool:
    if info.pop(LAST_USE_FAILED, False):
        return True
    idle_since = info.get(IDLE_SINCE)  # none on a connection never checked in
    return idle_since is not None and time.monotonic() - idle_since >= PING_AFTER_IDLE_SECONDS


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
