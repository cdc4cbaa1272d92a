"""Django's PostgreSQL backend, plus DATABASE_TIMEOUT on every call it makes on a connection.

libpq's connect_timeout bounds connecting, and a server-side statement_timeout bounds a query
the server is running; neither helps when the server, or something in between, stops
answering while the connection stays open: the call would wait for ever. So each call
(statement, fetch, commit, rollback, the health check of a kept connection) registers a
deadline with a watchdog thread, which cuts the connection's socket if it passes. The call then
fails at once with OperationalError (503 "Database unavailable"), the broken connection is
dropped (by the pool, in a served worker), and the next request gets a working one: recovery
needs no restart.

Connections come from Django's pool (settings: OPTIONS["pool"]). One the server closed while it
sat there (a restart, an outage, an idle timeout) is swapped for another before a request gets
it: the server's goodbye, or the end of the stream, waits unread on its socket, so a poll with
no wait tells, where a ping would cost a round trip per request.
"""

import contextlib
import functools
import os
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.conf import settings
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base
from django.db.utils import DatabaseErrorWrapper

T = TypeVar("T")


class Watchdog:
    """One thread per process that shuts down the socket of any call past its deadline."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._calls: dict[object, tuple[float, int]] = {}
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def deadline(self, fileno: int, seconds: float) -> Iterator[None]:
        call = object()
        with self._condition:
            self._calls[call] = (time.monotonic() + seconds, fileno)
            if self._thread is None or not self._thread.is_alive():  # none yet, or forked
                self._thread = threading.Thread(target=self._run, name="db-watchdog", daemon=True)
                self._thread.start()
            self._condition.notify()
        try:
            yield
        finally:
            with self._condition:
                self._calls.pop(call, None)

    def _run(self) -> None:
        with self._condition:
            while True:
                now = time.monotonic()
                for call, (deadline, fileno) in list(self._calls.items()):
                    if deadline <= now:
                        # Under the lock: the call is still waiting, so its socket is open.
                        del self._calls[call]
                        _shut_down(fileno)
                deadlines = [deadline for deadline, _ in self._calls.values()]
                self._condition.wait(timeout=min(deadlines) - now if deadlines else None)


def _shut_down(fileno: int) -> None:
    with contextlib.suppress(OSError), socket.socket(fileno=os.dup(fileno)) as connection:
        connection.shutdown(socket.SHUT_RDWR)


watchdog = Watchdog()


class _Guarded:
    """Django's DatabaseErrorWrapper (a context manager and a decorator), plus the deadline."""

    def __init__(self, wrapper: "DatabaseWrapper") -> None:
        self.wrapper = wrapper
        self.stack = contextlib.ExitStack()

    def __enter__(self) -> None:
        self.stack.enter_context(self.wrapper.deadline())
        self.stack.enter_context(DatabaseErrorWrapper(self.wrapper))

    def __exit__(self, *exc_info: Any) -> None:
        self.stack.__exit__(*exc_info)  # suppresses nothing: Django's error, or the original

    def __call__(self, func: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> T:
            with _Guarded(self.wrapper):
                return func(*args, **kwargs)

        return guarded


class DatabaseWrapper(base.DatabaseWrapper):
    def deadline(self) -> contextlib.AbstractContextManager[None]:
        """DATABASE_TIMEOUT for a call on the open connection (connecting has its own). The
        maintenance connection, which only creates and drops databases (`make migrate`, the
        tests), has none: DROP DATABASE waits for a checkpoint, seconds on a busy disk."""
        if self.alias == NO_DB_ALIAS:
            return contextlib.nullcontext()
        try:
            fileno = self.connection.pgconn.socket if self.connection is not None else -1
        except Exception:  # closed or broken: the call itself will say so
            fileno = -1
        if fileno < 0:
            return contextlib.nullcontext()
        return watchdog.deadline(fileno, settings.DATABASE_TIMEOUT)

    @property
    def wrap_database_errors(self) -> _Guarded:  # type: ignore[override]
        return _Guarded(self)

    def is_usable(self) -> bool:
        with self.deadline():
            return bool(super().is_usable())

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        while self.pool is not None and _closed_by_the_server(connection):
            connection.close()
            self.pool.putconn(connection)  # the pool drops it and opens another
            connection = super().get_new_connection(conn_params)
        return connection


def _closed_by_the_server(connection: Any) -> bool:
    """True if the idle connection is closed or has something to read: an idle PostgreSQL
    connection is sent nothing, unless the server is ending it."""
    if connection.closed or connection.broken:
        return True
    try:
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError):  # no socket any more
        return True
    return bool(readable)
