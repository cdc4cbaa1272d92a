"""Gunicorn's settings, from the environment: `make serve` and the Docker image run
`gunicorn --config gunicorn.conf.py`. GUNICORN_CMD_ARGS can still override any of them."""

import errno
import os
import socket
from typing import Any

# .env into the environment (real variables win), as Django reads it: the same TRUSTED_PROXIES.
# Every public name here is taken for a Gunicorn setting: hence the underscore.
import config.environment as _environment  # noqa: F401


def _whole_number(name: str, default: int, minimum: int = 1) -> int:
    """A whole number from the environment; a wrong one stops start-up with one line."""
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdecimal() or int(value) < minimum:
        raise SystemExit(f"error: {name} must be a whole number, at least {minimum}, not {value!r}")
    return int(value)


# The application; config/wsgi.py picks the settings module from ENVIRONMENT.
wsgi_app = "config.wsgi"

# Only this machine by default; the Docker image sets HOST=0.0.0.0 to accept outside traffic.
_host = os.environ.get("HOST", "").strip() or "127.0.0.1"
_port = _whole_number("PORT", 8000)
bind = [f"[{_host}]:{_port}" if ":" in _host else f"{_host}:{_port}"]  # IPv6 in brackets

# Worker processes; two suit a 2-core machine (apigen's benchmarks found no consistent gain from
# four there); set WEB_CONCURRENCY per machine.
workers = _whole_number("WEB_CONCURRENCY", 2)

# Threads per worker. A client that sends its request slowly holds a thread until the request
# is complete, so a few slow clients must not take them all. Measured here (2 workers, 64
# connections sending headers a byte a second for 15 s, GET /health/live every 0.5 s, 1 s limit):
#   sync workers (Gunicorn's default)  0 of 14 answered: 2 slow clients take both workers
#   gthread, 8 threads                 0 of 14 answered: 16 threads, all held
#   gthread, 40 threads                26 of 27, the one miss a cold worker's first request
#   gthread, 64 threads                27 of 27 (p50 3 ms, max 12 ms), 144 MiB for both workers
#   asgi (Gunicorn's asyncio worker)   27 of 27, but Django runs sync views one at a time per
#                                      worker there, and buffers whole bodies before the app
# gthread with 64 threads keeps Django's WSGI model (one request per thread, the body read as
# it comes), costs little (idle threads are cheap), and holds out against this probe; past
# WEB_CONCURRENCY x GUNICORN_THREADS slow connections a proxy in front must buffer requests.
# Threads borrow database connections from the worker's pool (config/settings/base.py).
# gthread, answering its own errors (414, 431, 400) in JSON: config/gunicorn_worker.py.
worker_class = "config.gunicorn_worker.ThreadWorker"
threads = _whole_number("GUNICORN_THREADS", 64)

# A worker busy with one request for this long is taken as stuck: it is killed and replaced.
timeout = _whole_number("GUNICORN_TIMEOUT", 30)

# On SIGTERM (docker stop, a deploy), workers stop taking requests and get this long to finish
# the ones in flight before they are killed.
graceful_timeout = _whole_number("GUNICORN_GRACEFUL_TIMEOUT", 30)

# How long an idle client connection is kept open for its next request (threaded and async
# workers; the default sync workers close each connection). 0 turns keep-alive off.
keepalive = _whole_number("GUNICORN_KEEPALIVE", 5, minimum=0)

# X-Forwarded-Proto (and so HTTPS) is believed only from TRUSTED_PROXIES, the same list the
# rate limits take X-Forwarded-For from (core/network.py). Gunicorn's own default would trust
# 127.0.0.1; here nothing is trusted unless listed.
forwarded_allow_ips = ",".join(
    address.strip() for address in os.environ.get("TRUSTED_PROXIES", "").split(",")
)

# No access log from Gunicorn: the request middleware writes one line per request, with its id.
accesslog = None

# No control socket (gunicornc): nothing uses it, and any local process of this user could stop
# or reconfigure the server through it.
control_socket_disable = True


def on_starting(server: Any) -> None:
    """A port in use stops start-up with one line, before Gunicorn retries it for 5 seconds.
    (Not when Gunicorn is handed its sockets: a re-exec, systemd's socket activation.)"""
    if os.environ.get("GUNICORN_FD") or os.environ.get("LISTEN_FDS"):
        return
    family = socket.AF_INET6 if ":" in _host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((_host, _port))
        except OSError as error:
            reason = "in use" if error.errno == errno.EADDRINUSE else error.strerror
            raise SystemExit(f"error: cannot listen on {_host}:{_port}: {reason}") from None
