"""A TCP proxy in front of PostgreSQL that a test can cut and restore: a database outage that
the served project sees exactly as a real one (refused connections, dropped sessions)."""

import contextlib
import socket
import socketserver
import threading
from typing import ClassVar


class _Pipe(socketserver.BaseRequestHandler):
    upstream: ClassVar[tuple[str, int]]
    open_sockets: ClassVar[set[socket.socket]]

    def handle(self) -> None:
        client: socket.socket = self.request
        server = socket.create_connection(self.upstream)
        self.open_sockets.update((client, server))
        forward = threading.Thread(target=_copy, args=(server, client), daemon=True)
        forward.start()
        _copy(client, server)
        forward.join()


def _copy(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class DatabaseProxy:
    """Listens on 127.0.0.1:`port` and forwards to `upstream` while up."""

    def __init__(self, upstream: tuple[str, int], port: int) -> None:
        self.port = port
        handler = type("Pipe", (_Pipe,), {"upstream": upstream, "open_sockets": set()})
        self._handler: type[_Pipe] = handler
        self._server: _Server | None = None

    def start(self) -> None:
        self._server = _Server(("127.0.0.1", self.port), self._handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Refuse new connections and cut every open one."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for sock in list(self._handler.open_sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._handler.open_sockets.clear()
