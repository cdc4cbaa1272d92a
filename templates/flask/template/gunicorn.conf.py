"""Gunicorn's settings, from the environment: `make serve` and the Docker image run
`gunicorn --config gunicorn.conf.py '<package>:create_app()'`. GUNICORN_CMD_ARGS can still
override any of them."""

import json
import os

from gunicorn import util


def _whole_number(name: str, default: int, minimum: int = 1) -> int:
    """A whole number from the environment (empty counts as unset, as in the application's own
    settings); a wrong one stops start-up with one line naming the variable."""
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdecimal() or int(value) < minimum:
        raise SystemExit(f"error: {name} must be a whole number, at least {minimum}, not {value!r}")
    return int(value)


# Only this machine by default; the Docker image sets HOST=0.0.0.0 to accept outside traffic.
_host = os.environ.get("HOST", "").strip() or "127.0.0.1"
_port = _whole_number("PORT", 8000)
bind = [f"[{_host}]:{_port}" if ":" in _host else f"{_host}:{_port}"]  # IPv6 in brackets

# Worker processes. Two suit a 2-core machine (apigen's benchmarks found no consistent gain
# from four there); set WEB_CONCURRENCY per machine.
workers = _whole_number("WEB_CONCURRENCY", 2)

# Threads per worker, each serving one request at a time. A client that sends its headers
# slowly holds a thread until it is done, so there are many: with Gunicorn's default sync
# workers, a few slow clients take the service offline. Measured on a 2-core machine, 2 workers,
# 64 connections sending their headers one byte a second for 15 s while /health/live is asked
# every 0.5 s (answers within 1 s):
#   gthread, 4 threads     0 of 14 answered
#   gthread, 32 threads    10 of 19 answered (all threads held)
#   gthread, 64 threads    28 of 28 answered, worst 11 ms, 205 MiB for both workers
#   gevent                 28 of 28 answered, worst 13 ms, 219 MiB (it drops slow clients after
#                          GUNICORN_KEEPALIVE); also with 200 such clients, where gthread/64 fails
# gthread with 64 threads keeps the plain WSGI model that Flask, SQLAlchemy's pool and psycopg's
# timeouts expect, and Argon2 (which releases the GIL) runs beside other requests; under gevent
# each password check (about 0.1-0.7 s of C code) would stop every other request of its worker.
# Past 64 slow clients per worker, put a buffering proxy (nginx) in front, and raise
# GUNICORN_THREADS for more.
worker_class = "gthread"
threads = _whole_number("GUNICORN_THREADS", 64)

# A worker busy with one request for this long is taken as stuck: it is killed and replaced.
timeout = _whole_number("GUNICORN_TIMEOUT", 30)

# On SIGTERM (docker stop, a deploy), workers stop taking requests and get this long to finish
# the ones in flight before they are killed.
graceful_timeout = _whole_number("GUNICORN_GRACEFUL_TIMEOUT", 30)

# How long an idle client connection is kept open for its next request (threaded and async
# workers; the default sync workers close each connection). 0 turns keep-alive off.
keepalive = _whole_number("GUNICORN_KEEPALIVE", 5, minimum=0)

# No access log from Gunicorn: the application writes one line per request, with its id.
accesslog = None

# X-Forwarded-Proto (and -For, read by the application) only from these peers: TRUSTED_PROXIES,
# none by default (Gunicorn's own default trusts 127.0.0.1, where any local process could then
# choose its address).
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "").replace(" ", "")


def _json_error(sock: object, status_int: int, reason: str, mesg: str) -> None:
    """Gunicorn's own refusals (414 URI too long, 431 headers too large, 400 bad request) as
    JSON, like every answer of the application, instead of its HTML page."""
    body = json.dumps({"detail": reason}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


# Gunicorn has no setting for its error pages; its workers call util.write_error at run time.
util.write_error = _json_error

# No control socket (gunicornc): nothing uses it, and any local process of this user could stop
# or reconfigure the server through it.
control_socket_disable = True
