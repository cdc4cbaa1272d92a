"""The ASGI application: `uvicorn <package>.main:app`."""

import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.params import Form
from fastapi.responses import JSONResponse, Response
from limits import parse
from limits.errors import StorageError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .api.docs import add_docs
from .api.main import api_router
from .api.routes.health import DatabaseProbe
from .core.config import Settings, get_settings
from .core.credentials import VerifiedCredentials
from .core.db import UNAVAILABLE_ERRORS, create_engine, create_session_factory
from .core.logging import configure_logging
from .core.middleware import RequestContextMiddleware
from .core.security import HashingBusyError, PasswordHasher
from .core.throttling import FailedLogins, rate_limiter

OPENAPI_URL = "/openapi.json"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.session_factory = create_session_factory(engine)
        yield
        await engine.dispose()

    docs = settings.docs_enabled  # /docs, /redoc and /openapi.json; off in production by default
    app = FastAPI(
        title=settings.project_name,
        version=_version(),
        debug=settings.debug,
        lifespan=lifespan,
        openapi_url=OPENAPI_URL if docs else None,
        docs_url=None,  # served by api/docs.py, with assets from this service, not a CDN
        redoc_url=None,
    )
    if docs:
        add_docs(app, OPENAPI_URL)
    app.openapi = _contract_openapi(app)  # type: ignore[method-assign]
    app.state.settings = settings
    app.state.database_probe = DatabaseProbe()
    app.state.rate_limit = parse(settings.rate_limit)
    # In Redis with REDIS_URL (one count for all replicas), else in this process's memory.
    app.state.rate_limiter = rate_limiter(settings)
    app.state.failed_logins = FailedLogins(
        settings.failed_login_limit, rate_limiter(settings, exact=True)
    )
    app.state.password_hasher = PasswordHasher(settings.password_hash_concurrency)
    app.state.verified_credentials = VerifiedCredentials(
        settings.secret_key.get_secret_value().encode()
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials="*" not in settings.cors_origins,  # never a wildcard with credentials
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        )
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        strict_transport_security=settings.production,
    )
    app.include_router(api_router)
    app.exception_handler(StarletteHTTPException)(http_error)
    app.exception_handler(RequestValidationError)(validation_error)
    app.exception_handler(HashingBusyError)(hashing_busy)
    app.exception_handler(StorageError)(limits_unavailable)
    for error_class in UNAVAILABLE_ERRORS:
        app.exception_handler(error_class)(database_unavailable)
    return app


async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    """Errors as JSON. A 405's `Allow` lists every method of the path, as documented in the
    OpenAPI schema (Starlette would name only the first matching route's)."""
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = ", ".join(_documented_methods(request.app, request.url.path))
    return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=headers)


async def validation_error(request: Request, error: RequestValidationError) -> Response:
    """422 naming each field (`loc`, `msg`, `type`), without echoing what was sent: the
    rejected value may be a password, and NaN or a lone surrogate could not even be written
    back as JSON. A body that is not JSON at all is a 400, and one of another media type 415."""
    problems = error.errors()
    if any(problem["type"] == "json_invalid" for problem in problems):
        return JSONResponse({"detail": "The body is not valid JSON"}, status_code=400)
    expected = _unsupported_media_type(request, error)
    if expected is not None:
        return JSONResponse({"detail": f"The body must be {expected}"}, status_code=415)
    problems = [
        {"loc": problem["loc"], "msg": problem["msg"], "type": problem["type"]}
        for problem in problems
    ]
    # ASCII JSON: any text quoted from the input is escaped, never an encoding error.
    body = json.dumps({"detail": jsonable_encoder(problems)}, ensure_ascii=True)
    return Response(body, status_code=422, media_type="application/json")


async def hashing_busy(request: Request, error: Exception) -> JSONResponse:
    """Every password-hashing slot stayed busy for a second (PASSWORD_HASH_CONCURRENCY)."""
    return JSONResponse(
        {"detail": "Server busy, try again"}, status_code=503, headers={"Retry-After": "1"}
    )


async def limits_unavailable(request: Request, error: Exception) -> JSONResponse:
    """Redis, where the rate limits are counted (REDIS_URL), refused or did not answer."""
    return JSONResponse(
        {"detail": "Service unavailable"}, status_code=503, headers={"Retry-After": "5"}
    )


async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
    """The database refused, dropped or did not answer within DATABASE_TIMEOUT."""
    return JSONResponse(
        {"detail": "Database unavailable"}, status_code=503, headers={"Retry-After": "5"}
    )


FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _unsupported_media_type(request: Request, error: RequestValidationError) -> str | None:
    """The media type the route reads if the body came as another one, else None.

    FastAPI does not parse a body of another media type: it validates the raw bytes (or an
    empty form) and fails, so a 422 for such a body means the client sent the wrong kind.
    A request without any body stays a 422 (`["body"]` missing)."""
    body_field = getattr(request.scope.get("route"), "body_field", None)
    if body_field is None:
        return None
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if isinstance(body_field.field_info, Form):
        if media_type and media_type not in FORM_MEDIA_TYPES:
            return "a form (application/x-www-form-urlencoded)"
        return None
    if isinstance(error.body, bytes | bytearray):  # sent, but not parsed as JSON
        return "application/json"
    return None


def _contract_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """FastAPI's schema, with its validation-error models as the answers are: FastAPI declares
    `input` and `ctx` on every ValidationError (no setting removes them), which this service
    never sends, and leaves HTTPValidationError's `detail` optional, which it always sends."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()  # cached by FastAPI: the changes below are made once
        components = schema.get("components", {}).get("schemas", {})
        if "ValidationError" in components:
            for name in ("input", "ctx"):
                components["ValidationError"]["properties"].pop(name, None)
        if "HTTPValidationError" in components:
            components["HTTPValidationError"]["required"] = ["detail"]
        return schema

    return openapi


def _version() -> str:
    """The project's version (pyproject.toml), as the schema's `info.version`."""
    try:
        return version(__package__ or __name__)
    except PackageNotFoundError:
        return "0.1.0"


def _documented_methods(app: FastAPI, path: str) -> list[str]:
    for template, operations in app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", template), path):
            return sorted(method.upper() for method in operations)
    return []


app = create_app()
