"""JSON error answers, the same in every apigen template: {"detail": "..."} for every error
(the `Error` schema), and for validation errors (422, `HTTPValidationError`) a list naming each
problem, as {"detail": [{"loc": ["body", "email"], "msg": "...", "type": "invalid"}]}."""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, NoReturn

import marshmallow as ma
from flask import Flask
from flask_smorest import Api
from limits.errors import StorageError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from ..core.security import PasswordHashBusyError
from ..schemas import HTTPValidationErrorSchema

error_logger = logging.getLogger("api.error")

# webargs names the request body "json" or "form"; answers call it "body", as FastAPI does.
LOCATIONS = {"json": "body", "form": "body", "view_args": "path"}

# The same words whichever layer refuses: Flask's own 413 says more.
FIXED_DETAILS = {HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "Request body too large"}
DATABASE_UNAVAILABLE = "Database unavailable"
DATABASE_RETRY_AFTER = 5

ErrorBody = tuple[dict[str, Any], int, dict[str, str]]


def documented(*statuses: HTTPStatus) -> dict[int, str]:
    """For `@blp.doc(responses=...)`: flask-smorest's response component of each status, whose
    body is `Error` (422's: `HTTPValidationError`, see init_app)."""
    return {status.value: status.name for status in statuses}


# What an operation that reads a body can also answer: malformed (400), too large (413), another
# media type than JSON (a form for POST /token) (415), invalid (422; @blp.arguments says it too).
BODY_ERRORS = documented(
    HTTPStatus.BAD_REQUEST,
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    HTTPStatus.UNPROCESSABLE_ENTITY,
)
# An operation with an id in its path: 422 for one that is not an id (extensions.IdConverter).
BAD_ID = documented(HTTPStatus.UNPROCESSABLE_ENTITY)


def error_type(field: ma.fields.Field[Any] | None, message: str) -> str:
    """marshmallow's own code for `message`: the field's error key (`required`, `null`,
    `invalid`, `nul`...), else its validator's name (`length`, `range`), `unknown` for a field
    the schema does not have."""
    if field is None:
        return "unknown"
    for code, text in field.error_messages.items():
        if text == message:
            return code
    if len(field.validators) == 1:
        return type(field.validators[0]).__name__.lower()
    return "invalid"


def validation_errors(
    messages: Mapping[str, Any], schema: ma.Schema | None = None
) -> list[dict[str, Any]]:
    """Flatten webargs' {"json": {"name": ["..."]}} to
    [{"loc": ["body", "name"], "msg": "...", "type": "length"}]."""
    items: list[dict[str, Any]] = []

    def collect(loc: list[str | int], value: Any, field: ma.fields.Field[Any] | None) -> None:
        if isinstance(value, Mapping):
            for key, nested in value.items():
                if key == "_schema":
                    collect(loc, nested, field)
                elif len(loc) == 1 and schema is not None:  # a field of the schema
                    collect([*loc, key], nested, schema.fields.get(str(key)))
                else:
                    collect([*loc, key], nested, field)
        elif isinstance(value, list | tuple):
            for nested in value:
                collect(loc, nested, field)
        else:
            message = str(value)
            code = error_type(field, message) if len(loc) > 1 else "invalid"
            items.append({"loc": loc, "msg": message, "type": code})

    for location, errors in messages.items():
        collect([LOCATIONS.get(location, location)], errors, None)
    return items


def handle_http_exception(error: HTTPException) -> ErrorBody:
    """Every HTTP error (404, 405, 413, 429, validation...) as {"detail": ...}, never HTML."""
    code = error.code or 500
    # Keep the headers werkzeug adds (Allow on 405, WWW-Authenticate), not its HTML type.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    data: Mapping[str, Any] = getattr(error, "data", None) or {}
    headers.update(data.get("headers") or {})
    messages = data.get("messages")
    if isinstance(data.get("detail"), list):  # already in the answer's shape (extensions.py)
        return {"detail": data["detail"]}, code, headers
    if messages and code == HTTPStatus.UNPROCESSABLE_ENTITY:
        return {"detail": validation_errors(messages, data.get("schema"))}, code, headers
    if code in FIXED_DETAILS:
        detail = FIXED_DETAILS[HTTPStatus(code)]
    elif messages:  # webargs' 400 for a body that is not JSON
        detail = " ".join(item["msg"] for item in validation_errors(messages))
    elif error.description and error.description != type(error).description:
        detail = error.description  # set by abort(..., description=...)
    else:
        detail = error.name
    return {"detail": detail}, code, headers


def retry_later(detail: str, retry_after: int) -> ErrorBody:
    """503 with Retry-After."""
    return {"detail": detail}, 503, {"Retry-After": str(retry_after)}


def database_unavailable() -> NoReturn:
    """503 `Database unavailable` with Retry-After, as data endpoints answer during an outage."""
    raise ServiceUnavailable(description=DATABASE_UNAVAILABLE, retry_after=DATABASE_RETRY_AFTER)


def handle_busy_hashing(error: PasswordHashBusyError) -> ErrorBody:
    """Every Argon2 slot stayed taken for a second (PASSWORD_HASH_CONCURRENCY): try again."""
    return retry_later("Server busy, try again", 1)


def handle_database_unavailable(error: Exception) -> ErrorBody:
    """The database refused, dropped or did not answer in DATABASE_TIMEOUT: 503, not 500. The
    pool replaces broken connections, so the service recovers by itself when it is back."""
    error_logger.warning("Database unavailable: %s", (str(error).splitlines() or [""])[0][:200])
    return retry_later(DATABASE_UNAVAILABLE, DATABASE_RETRY_AFTER)


def handle_counts_unavailable(error: Exception) -> ErrorBody:
    """Redis, where the rate limits are counted (REDIS_URL), refused or did not answer: 503."""
    error_logger.warning("Redis unavailable: %s", (str(error).splitlines() or [""])[0][:200])
    return retry_later("Service unavailable", 5)


def handle_unexpected_error(error: Exception) -> ErrorBody:
    """Last resort: log the traceback, answer a JSON 500 (never an HTML page or a trace)."""
    error_logger.error("Unhandled error", exc_info=error)
    return {"detail": "Internal server error"}, 500, {}


def init_app(app: Flask, api: Api) -> None:
    """Call after the Api's init_app: these handlers replace flask-smorest's own, and the
    validation errors (referenced by every @blp.arguments) are documented with their body."""
    api.spec.components.response(
        HTTPStatus.UNPROCESSABLE_ENTITY.name,
        {
            "description": "A field, parameter or the body is invalid; each error says where",
            "content": {"application/json": {"schema": HTTPValidationErrorSchema}},
        },
        lazy=True,
    )
    # The most specific handler takes each error.
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(PasswordHashBusyError, handle_busy_hashing)
    app.register_error_handler(StorageError, handle_counts_unavailable)
    for database_error in (OperationalError, InterfaceError, PoolTimeoutError):
        app.register_error_handler(database_error, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected_error)
