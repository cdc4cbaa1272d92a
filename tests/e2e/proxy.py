"""A TCP proxy in front of PostgreSQL that a test can cut, silence and restore: a database
outage that the served project sees exactly as a real one.

- `stop()`: the server refuses connections and drops every session (a crash, a restart).
- `silence()`: connections are still accepted, but nothing gets through in either direction,
  on new and open sessions alike (a hung server, a network partition behind a load balancer).
"""

import contextlib
import socket
import socketserver
import threading
from typing import ClassVar


class _Pipe(socketserver.BaseRequestHandler):
    upstream: ClassVar[tuple[str, int]]
    open_sockets: ClassVar[set[socket.socket]]
    silent: ClassVar[threading.Event]

    def handle(self) -> None:
        client: socket.socket = self.request
        self.open_sockets.add(client)
        if self.silent.is_set():
            _swallow(client)
            return
        server = socket.create_connection(self.upstream)
        self.open_sockets.add(server)
        forward = threading.Thread(target=_copy, args=(server, client, self.silent), daemon=True)
        forward.start()
        _copy(client, server, self.silent)
        forward.join()


def _copy(source: socket.socket, target: socket.socket, silent: threading.Event) -> None:
    try:
        while data := source.recv(65536):
            if not silent.is_set():
                target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _swallow(client: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while client.recv(65536):
            pass


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class DatabaseProxy:
    """Listens on 127.0.0.1:`port` and forwards to `upstream` while up."""

    def __init__(self, upstream: tuple[str, int], port: int) -> None:
        self.port = port
        attributes = {"upstream": upstream, "open_sockets": set(), "silent": threading.Event()}
        self._handler: type[_Pipe] = type("Pipe", (_Pipe,), attributes)
        self._server: _Server | None = None

    def start(self) -> None:
        """Forward again; sessions opened while silent are cut, as the real server would."""
        if self._handler.silent.is_set():
            self._handler.silent.clear()
            self._cut_open_sessions()
        if self._server is None:
            self._server = _Server(("127.0.0.1", self.port), self._handler)
            threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Refuse new connections and cut every open one."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._cut_open_sessions()

    def silence(self) -> None:
        """Accept connections, answer nothing, forward nothing."""
        self._handler.silent.set()

    def _cut_open_sessions(self) -> None:
        for sock in list(self._handler.open_sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._handler.open_sockets.clear()
