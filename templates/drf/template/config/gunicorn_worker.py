"""Gunicorn's threaded worker, whose own error answers are JSON like the application's.

Gunicorn answers some requests before Django sees them: a request line over 4094 bytes (414),
too many or too large headers (431), a malformed request (400). Its answer is a small HTML
page; with this worker (gunicorn.conf.py) it is {"detail": "..."} instead.
"""

import json

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker


def write_json_error(sock: object, status_int: int, reason: str, mesg: str) -> None:
    body = json.dumps({"detail": reason}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


# Gunicorn's handle_error writes its answer with util.write_error: the one place to change.
util.write_error = write_json_error

__all__ = ["ThreadWorker"]
