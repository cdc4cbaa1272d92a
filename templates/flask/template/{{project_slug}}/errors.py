"""JSON error answers: {"detail": "..."} for every error, and for validation errors (422) a
list naming each field, as {"detail": [{"loc": ["body", "email"], "msg": "..."}]}."""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import Flask, g
from flask_limiter import RateLimitExceeded
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from .security import PasswordHashBusyError

error_logger = logging.getLogger("api.error")

# webargs names the request body "json" or "form"; answers call it "body", as FastAPI does.
LOCATIONS = {"json": "body", "form": "body"}

# The same words whichever layer refuses: Flask (413) or Flask-Limiter (whose 429 would name
# the limit).
FIXED_DETAILS = {HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "Request body too large"}
RATE_LIMITED = "Too many requests"
DATABASE_UNAVAILABLE = "Database unavailable"
DATABASE_RETRY_AFTER = 5

ErrorBody = tuple[dict[str, Any], int, dict[str, str]]


class ErrorSchema(ma.Schema):
    detail = ma.fields.String(required=True, metadata={"description": "What went wrong."})


class ValidationErrorItemSchema(ma.Schema):
    loc = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": "Where: body or query, then the field."},
    )
    msg = ma.fields.String(required=True)


class ValidationErrorSchema(ma.Schema):
    detail = ma.fields.List(ma.fields.Nested(ValidationErrorItemSchema), required=True)


def validation_errors(messages: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Flatten webargs' {"json": {"name": ["..."]}} to [{"loc": ["body", "name"], "msg": ...}]."""
    items: list[dict[str, Any]] = []

    def collect(loc: list[str], value: Any) -> None:
        if isinstance(value, Mapping):
            for key, nested in value.items():
                collect(loc if key == "_schema" else [*loc, str(key)], nested)
        elif isinstance(value, list | tuple):
            for nested in value:
                collect(loc, nested)
        else:
            items.append({"loc": loc, "msg": str(value)})

    for location, errors in messages.items():
        collect([LOCATIONS.get(location, location)], errors)
    return items


class Api(flask_smorest.Api):  # type: ignore[misc]
    """flask-smorest's Api, answering errors in this project's JSON shape."""

    ERROR_SCHEMA = ErrorSchema

    def init_app(self, app: Flask, *, spec_kwargs: dict[str, Any] | None = None) -> None:
        super().init_app(app, spec_kwargs=spec_kwargs)
        # Document validation errors (referenced by every @blp.arguments) with their own body.
        self.spec.components.response(
            HTTPStatus.UNPROCESSABLE_ENTITY.name,
            {
                "description": "Invalid input: each problem names its field",
                "content": {"application/json": {"schema": ValidationErrorSchema}},
            },
            lazy=True,
        )

    def handle_http_exception(self, error: HTTPException) -> ErrorBody:
        code = error.code or 500
        # Keep the headers werkzeug adds (Allow on 405, WWW-Authenticate), not its HTML type.
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        data: Mapping[str, Any] = getattr(error, "data", None) or {}
        headers.update(data.get("headers") or {})
        messages = data.get("messages")
        if messages and code == HTTPStatus.UNPROCESSABLE_ENTITY:
            return {"detail": validation_errors(messages)}, code, headers
        if isinstance(error, RateLimitExceeded):
            detail = RATE_LIMITED
        elif code in FIXED_DETAILS:
            detail = FIXED_DETAILS[HTTPStatus(code)]
        elif messages:  # webargs' 400 for a body that is not JSON
            detail = " ".join(item["msg"] for item in validation_errors(messages))
        elif error.description and error.description != type(error).description:
            detail = error.description  # set by abort(..., description=...)
        else:
            detail = error.name
        return {"detail": detail}, code, headers


def retry_later(detail: str, retry_after: int) -> ErrorBody:
    """503 with Retry-After; protection.py keeps this value over Flask-Limiter's own."""
    g.retry_after = str(retry_after)
    return {"detail": detail}, 503, {"Retry-After": g.retry_after}


def handle_busy_hashing(error: PasswordHashBusyError) -> ErrorBody:
    """Every Argon2 slot stayed taken for a second (PASSWORD_HASH_CONCURRENCY): try again."""
    return retry_later("Server busy, try again", 1)


def handle_database_unavailable(error: Exception) -> ErrorBody:
    """The database refused, dropped or did not answer in DATABASE_TIMEOUT: 503, not 500. The
    pool replaces broken connections, so the service recovers by itself when it is back."""
    error_logger.warning("Database unavailable: %s", (str(error).splitlines() or [""])[0][:200])
    return retry_later(DATABASE_UNAVAILABLE, DATABASE_RETRY_AFTER)


def handle_unexpected_error(error: Exception) -> ErrorBody:
    """Last resort: log the traceback, answer a JSON 500 (never an HTML page or a trace)."""
    error_logger.error("Unhandled error", exc_info=error)
    return {"detail": "Internal server error"}, 500, {}


def init_app(app: Flask) -> None:
    # HTTP errors (404, 405, 413, validation...) go to Api.handle_http_exception; the most
    # specific handler below takes the rest.
    app.register_error_handler(PasswordHashBusyError, handle_busy_hashing)
    for database_error in (OperationalError, InterfaceError, PoolTimeoutError):
        app.register_error_handler(database_error, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected_error)
