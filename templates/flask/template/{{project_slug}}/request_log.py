"""Request ids and one access line per request, as before/after_request hooks."""

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

access_logger = logging.getLogger("api.access")

# Incoming ids are echoed into logs and headers, so only a safe shape is accepted.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def init_app(app: Flask) -> None:
    app.before_request(start_request)
    app.after_request(finish_request)


def start_request() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started_at = time.perf_counter()


def finish_request(response: Response) -> Response:
    request_id: str = g.get("request_id") or uuid.uuid4().hex
    started_at: float = g.get("request_started_at", time.perf_counter())
    duration_ms = (time.perf_counter() - started_at) * 1000
    response.headers["X-Request-ID"] = request_id
    access_logger.info(
        "%s %s %d %.1fms",
        request.method,
        request.path,
        response.status_code,
        duration_ms,
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(duration_ms, 1),
            "request_id": request_id,
        },
    )
    return response
