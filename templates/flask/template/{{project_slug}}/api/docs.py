"""/docs (Swagger UI) and /redoc load their scripts and styles from this server, never from a
CDN, so they work offline and under a 'self'-only Content-Security-Policy. The files come from
drf-spectacular-sidecar, which ships the current Swagger UI and ReDoc builds and is kept up to
date by drf-spectacular's maintainers (its Django requirement is installed, never imported)."""

from importlib.resources import files
from pathlib import Path

from flask import Flask, Response, send_from_directory

ASSETS_URL = "/docs/assets/"
SWAGGER_UI_URL = f"{ASSETS_URL}swagger-ui-dist/"
REDOC_URL = f"{ASSETS_URL}redoc/bundles/redoc.standalone.js"
ASSETS = Path(str(files("drf_spectacular_sidecar"))) / "static" / "drf_spectacular_sidecar"


def init_app(app: Flask) -> None:
    """Point flask-smorest's pages at these assets, and serve them when the docs are on
    (DOCS_ENABLED). Call before the Api's init_app, which reads these settings."""
    app.config["OPENAPI_SWAGGER_UI_URL"] = SWAGGER_UI_URL
    app.config["OPENAPI_REDOC_URL"] = REDOC_URL
    if app.config["OPENAPI_URL_PREFIX"] is not None:
        app.add_url_rule(f"{ASSETS_URL}<path:filename>", "docs_assets", docs_asset)


def docs_asset(filename: str) -> Response:
    """One file of the Swagger UI or ReDoc build (404 for anything outside it)."""
    return send_from_directory(ASSETS, filename, max_age=86400)
