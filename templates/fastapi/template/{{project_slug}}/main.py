"""The ASGI application: `uvicorn <package>.main:app`."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.exceptions import HTTPException as StarletteHTTPException

from .api.main import api_router
from .core.config import Settings, get_settings
from .core.credentials import VerifiedCredentials
from .core.db import create_engine, create_session_factory
from .core.logging import configure_logging
from .core.middleware import RequestContextMiddleware


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.session_factory = create_session_factory(engine)
        yield
        await engine.dispose()

    docs = settings.docs_enabled  # DOCS_ENABLED=false hides /docs, /redoc and /openapi.json
    app = FastAPI(
        title=settings.project_name,
        debug=settings.debug,
        lifespan=lifespan,
        openapi_url="/openapi.json" if docs else None,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    app.state.settings = settings
    app.state.rate_limit = parse(settings.rate_limit)
    app.state.rate_limiter = MovingWindowRateLimiter(MemoryStorage())
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
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)
    app.include_router(api_router)
    app.exception_handler(StarletteHTTPException)(http_error)
    return app


async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    """Errors as JSON. A 405's `Allow` lists every method of the path, as documented in the
    OpenAPI schema (Starlette would name only the first matching route's)."""
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = ", ".join(_documented_methods(request.app, request.url.path))
    return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=headers)


def _documented_methods(app: FastAPI, path: str) -> list[str]:
    for template, operations in app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", template), path):
            return sorted(method.upper() for method in operations)
    return []


app = create_app()
