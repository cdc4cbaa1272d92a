"""The ASGI application: `uvicorn <package>.main:app`."""

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
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
from .core.throttling import FailedLogins

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
        debug=settings.debug,
        lifespan=lifespan,
        openapi_url=OPENAPI_URL if docs else None,
        docs_url=None,  # served by api/docs.py, with assets from this service, not a CDN
        redoc_url=None,
    )
    if docs:
        add_docs(app, OPENAPI_URL)
    app.state.settings = settings
    app.state.database_probe = DatabaseProbe()
    app.state.rate_limit = parse(settings.rate_limit)
    app.state.rate_limiter = MovingWindowRateLimiter(MemoryStorage())
    app.state.failed_logins = FailedLogins(settings.failed_login_limit)
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
    """422 naming each field, without echoing what was sent: the rejected value may be a
    password, and NaN or a lone surrogate could not even be written back as JSON."""
    problems = [
        {key: value for key, value in problem.items() if key != "input"}
        for problem in error.errors()
    ]
    # ASCII JSON: any text quoted from the input is escaped, never an encoding error.
    body = json.dumps({"detail": jsonable_encoder(problems)}, ensure_ascii=True)
    return Response(body, status_code=422, media_type="application/json")


async def hashing_busy(request: Request, error: Exception) -> JSONResponse:
    """Every password-hashing slot stayed busy for a second (PASSWORD_HASH_CONCURRENCY)."""
    return JSONResponse(
        {"detail": "Server busy, try again"}, status_code=503, headers={"Retry-After": "1"}
    )


async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
    """The database refused, dropped or did not answer within DATABASE_TIMEOUT."""
    return JSONResponse(
        {"detail": "Database unavailable"}, status_code=503, headers={"Retry-After": "5"}
    )


def _documented_methods(app: FastAPI, path: str) -> list[str]:
    for template, operations in app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", template), path):
            return sorted(method.upper() for method in operations)
    return []


app = create_app()
