"""Gunicorn's settings, from the environment: `make serve` and the Docker image run
`gunicorn --config gunicorn.conf.py`. GUNICORN_CMD_ARGS can still override any of them."""

import os


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

# Worker processes, each serving one request at a time. Two suit a 2-core machine (apigen's
# benchmarks found no consistent gain from four there); set WEB_CONCURRENCY per machine.
workers = _whole_number("WEB_CONCURRENCY", 2)

# A worker busy with one request for this long is taken as stuck: it is killed and replaced.
timeout = _whole_number("GUNICORN_TIMEOUT", 30)

# On SIGTERM (docker stop, a deploy), workers stop taking requests and get this long to finish
# the ones in flight before they are killed.
graceful_timeout = _whole_number("GUNICORN_GRACEFUL_TIMEOUT", 30)

# How long an idle client connection is kept open for its next request (threaded and async
# workers; the default sync workers close each connection). 0 turns keep-alive off.
keepalive = _whole_number("GUNICORN_KEEPALIVE", 5, minimum=0)

# No access log from Gunicorn: the request middleware writes one line per request, with its id.
accesslog = None

# No control socket (gunicornc): nothing uses it, and any local process of this user could stop
# or reconfigure the server through it.
control_socket_disable = True
