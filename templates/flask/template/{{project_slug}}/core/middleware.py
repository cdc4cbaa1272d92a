"""Request context, for every request: a request id and one access line; security headers
(HSTS in production, a CSP); a body size limit; CORS only for the configured origins; proxy
headers only from TRUSTED_PROXIES. The rate limits are core/throttling.py's."""

import io
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from ipaddress import ip_address, ip_network
from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Settings

access_logger = logging.getLogger("api.access")

# Incoming ids are echoed into logs and headers, so only a safe shape is accepted.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
HSTS = "max-age=31536000; includeSubDomains"
# API answers are data, never a page: nothing may load, nothing may frame them.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# /docs and /redoc: their own scripts and styles, from this server only (api/docs.py serves them),
# plus the inline start-up script of the page, the images and fonts they embed, and ReDoc's
# worker.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:;"
    " frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
# Set by the WSGI layer when the Authorization header is not ASCII, which no scheme allows.
MALFORMED_AUTHORIZATION = "api.malformed_authorization"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def init_app(app: Flask, settings: Settings) -> None:
    """Call before core/throttling.py and the blueprints: its hooks come first."""
    app.before_request(start_request)
    app.after_request(finish_request)
    app.wsgi_app = HeaderGuard(  # type: ignore[method-assign]
        app.wsgi_app, settings.trusted_proxies, max_body_bytes=settings.max_body_bytes
    )
    app.before_request(refuse_large_bodies)
    app.after_request(add_security_headers)
    app.config["HSTS"] = settings.environment == "production"
    if settings.cors_origins:
        CORS(
            app,
            origins=list(settings.cors_origins),
            # A wildcard answers "*" and never allows credentials.
            send_wildcard="*" in settings.cors_origins,
            supports_credentials="*" not in settings.cors_origins,
            methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        )


class HeaderGuard:
    """WSGI middleware, before Flask sees the request:

    - X-Forwarded-For and X-Forwarded-Proto count only when the peer is one of
      TRUSTED_PROXIES (werkzeug's ProxyFix, one hop); otherwise the peer is the client, and a
      client cannot choose its own rate-limit key.
    - An Authorization header that is not ASCII (no scheme allows it) is dropped and flagged,
      so it answers 401 "Malformed Authorization header" instead of failing to decode.
    - A body without a length (chunked; Gunicorn decodes it) is read here up to MAX_BODY_BYTES:
      413 beyond, otherwise the application gets it with its length, as any other body.
    """

    def __init__(
        self, app: WsgiApp, trusted_proxies: Iterable[str], *, max_body_bytes: int
    ) -> None:
        self._app = app
        self._max_body_bytes = max_body_bytes
        self._behind_proxy = ProxyFix(app, x_for=1, x_proto=1)
        self._trusted = tuple(ip_network(proxy, strict=False) for proxy in trusted_proxies)

    def _trusted_peer(self, address: str | None) -> bool:
        if not self._trusted or not address:
            return False
        try:
            peer = ip_address(address)
        except ValueError:
            return False
        return any(peer in network for network in self._trusted)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        authorization = environ.get("HTTP_AUTHORIZATION")
        if authorization is not None and not authorization.isascii():
            del environ["HTTP_AUTHORIZATION"]
            environ[MALFORMED_AUTHORIZATION] = True
        if not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated"):
            body = environ["wsgi.input"].read(self._max_body_bytes + 1)
            if len(body) > self._max_body_bytes:
                return self._too_large(start_response)
            environ.update(
                {"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))},
            )
            # Now a body of known length: werkzeug reads CONTENT_LENGTH only without chunking.
            del environ["wsgi.input_terminated"]
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        if self._trusted_peer(environ.get("REMOTE_ADDR")):
            return self._behind_proxy(environ, start_response)
        return self._app(environ, start_response)

    @staticmethod
    def _too_large(start_response: Callable[..., Any]) -> list[bytes]:
        body = json.dumps({"detail": "Request body too large"}).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
            *SECURITY_HEADERS.items(),
            ("Content-Security-Policy", API_CSP),
        ]
        start_response("413 Request Entity Too Large", headers)
        return [body]


def refuse_large_bodies() -> None:
    """413 before any work when the declared size is over MAX_BODY_BYTES; a body sent without
    a length (chunked) is cut off at the same size by Flask's MAX_CONTENT_LENGTH as it is read."""
    length = request.content_length
    if length is not None and length > current_app.config["MAX_CONTENT_LENGTH"]:
        abort(413)


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    docs = request.path in DOCS_PATHS or request.path.startswith("/docs/")
    response.headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else API_CSP)
    if current_app.config["HSTS"]:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


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
