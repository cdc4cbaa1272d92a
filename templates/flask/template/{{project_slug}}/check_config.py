"""`python -m <package>.check_config [--port]`: check the settings once, as `make run` and
`make serve` do before the server starts, so a bad configuration stops with one line, not a
traceback in every worker. With --port, also that HOST:PORT is free to listen on."""

import errno
import os
import socket
import sys

from .config import Config, ConfigError


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port, or None if it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind
        try:
            probe.bind((host, port))
        except OSError as error:
            in_use = error.errno == errno.EADDRINUSE
            reason = "is in use" if in_use else f"cannot be used ({error.strerror})"
            return f"port {port} on {host} {reason}: stop what listens there, or set PORT=..."
    return None


def main(arguments: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if arguments is None else arguments
    try:
        Config.from_env()
    except ConfigError as error:
        print(f"error: invalid settings: {error}", file=sys.stderr)
        return 1
    if "--port" in arguments:
        host = os.environ.get("HOST", "").strip() or "127.0.0.1"
        port = os.environ.get("PORT", "").strip() or "8000"
        if not port.isdecimal() or not 0 < int(port) < 65536:
            print(f"error: PORT must be a port number, not {port!r}", file=sys.stderr)
            return 1
        if problem := port_problem(host, int(port)):
            print(f"error: {problem}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
