"""The security baseline: security headers on every answer, a request body size limit, CORS
only for the configured origins, and a rate limit (Flask-Limiter) on authenticated endpoints."""

from collections.abc import Iterable

from flask import Flask, Response, abort, current_app, request
from flask.blueprints import Blueprint
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from .config import Config

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def init_app(app: Flask, config: Config, rate_limited: Iterable[Blueprint]) -> None:
    """Call before the blueprints are registered; `rate_limited` are the ones that need
    credentials (and POST /token), limited together to RATE_LIMIT per client address."""
    app.before_request(refuse_large_bodies)
    app.after_request(add_security_headers)
    if config.cors_origins:
        CORS(
            app,
            origins=list(config.cors_origins),
            # A wildcard answers "*" and never allows credentials.
            send_wildcard="*" in config.cors_origins,
            supports_credentials="*" not in config.cors_origins,
            methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        )
    # One limiter per application, counting in this process's memory (per worker). The
    # headers include Retry-After (in seconds) on a 429.
    limiter = Limiter(
        get_remote_address,
        storage_uri="memory://",
        headers_enabled=True,
        retry_after="delta-seconds",
        key_prefix="api",
    )
    limiter.init_app(app)
    limit = limiter.shared_limit(config.rate_limit, scope="authenticated")
    for blueprint in rate_limited:
        limit(blueprint)


def refuse_large_bodies() -> None:
    """413 before any work when the declared size is over MAX_BODY_BYTES; a body sent without
    a length is cut off at the same size by Flask's MAX_CONTENT_LENGTH as it is read."""
    length = request.content_length
    if length is not None and length > current_app.config["MAX_CONTENT_LENGTH"]:
        abort(413)


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
