"""Request context: a request id, security headers, a body size limit, one access line per
request, and a JSON 500 as last resort."""

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logging import request_id_var

access_logger = logging.getLogger("api.access")
error_logger = logging.getLogger("api.error")

# Incoming ids are echoed into logs and headers, so only a safe shape is accepted.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


# Production answers: HTTPS only from now on (browsers remember it for a year), and a CSP
# that lets an API answer load nothing (the docs pages send their own, see api/docs.py).
HSTS = "max-age=31536000; includeSubDomains"
API_CSP = "default-src 'none'; frame-ancestors 'none'"


class BodyTooLargeError(HTTPException):
    """The client sent more than MAX_BODY_BYTES. An HTTPException, so that FastAPI's body
    parsing lets it through as a 413 instead of turning it into a 400."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="Request body too large")


class RequestContextMiddleware:
    """Pure ASGI middleware, so it adds no task or buffering to each request."""

    def __init__(
        self, app: ASGIApp, max_body_bytes: int, *, strict_transport_security: bool = False
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.headers = SECURITY_HEADERS | {"Content-Security-Policy": API_CSP}
        if strict_transport_security:
            self.headers["Strict-Transport-Security"] = HSTS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        incoming = headers.get("x-request-id", "")
        request_id = incoming if VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request_id_var.set(request_id)
        status_code = 500
        response_started = False
        started_at = time.perf_counter()

        async def send_with_request_id(message: Message) -> None:
            nonlocal status_code, response_started
            if message["type"] == "http.response.start":
                status_code = message["status"]
                response_started = True
                response_headers = MutableHeaders(scope=message)
                response_headers.append("X-Request-ID", request_id)
                for name, value in self.headers.items():
                    response_headers.setdefault(name, value)
            await send(message)

        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise BodyTooLargeError
            return message

        try:
            if _content_length(headers) > self.max_body_bytes:
                raise BodyTooLargeError
            await self.app(scope, receive_within_limit, send_with_request_id)
        except BodyTooLargeError:
            if not response_started:
                response = JSONResponse({"detail": "Request body too large"}, status_code=413)
                await response(scope, receive, send_with_request_id)
        except Exception:
            error_logger.exception("Unhandled error")
            if not response_started:
                response = JSONResponse({"detail": "Internal server error"}, status_code=500)
                await response(scope, receive, send_with_request_id)
        finally:
            duration_ms = (time.perf_counter() - started_at) * 1000
            access_logger.info(
                "%s %s %d %.1fms",
                scope["method"],
                scope["path"],
                status_code,
                duration_ms,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status_code,
                    "duration_ms": round(duration_ms, 1),
                },
            )


def _content_length(headers: Headers) -> int:
    """The declared body size; a malformed one counts as 0 (the server refuses it first)."""
    try:
        return int(headers.get("content-length") or 0)
    except ValueError:
        return 0
