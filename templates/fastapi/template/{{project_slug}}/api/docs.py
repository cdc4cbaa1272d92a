"""/docs (Swagger UI) and /redoc, with their assets served by this service from the installed
fastapi-offline package, never from a CDN: the docs work offline and under a strict CSP."""

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"


def _csp(page: HTMLResponse) -> str:
    """Only this origin's scripts, plus the page's own inline start-up script (by hash)."""
    inline = re.findall(rb"<script>(.*?)</script>", page.body, flags=re.DOTALL)
    scripts = ["'self'"] + [
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in inline
    ]
    return (
        f"default-src 'none'; script-src {' '.join(scripts)}; style-src 'self' 'unsafe-inline';"
        " img-src 'self' data:; font-src 'self' data:; connect-src 'self';"
        " worker-src 'self' blob:; frame-ancestors 'none'"
    )


def _page(html: HTMLResponse) -> tuple[bytes, dict[str, str]]:
    return bytes(html.body), {"Content-Security-Policy": _csp(html)}


def add_docs(app: FastAPI, openapi_url: str) -> None:
    app.mount(ASSETS, StaticFiles(packages=[("fastapi_offline", "static")]), name="docs-assets")
    swagger, swagger_headers = _page(
        get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
        )
    )
    redoc, redoc_headers = _page(
        get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
    )

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(swagger, headers=swagger_headers)

    @app.get("/redoc", include_in_schema=False)
    async def redoc_ui() -> HTMLResponse:
        return HTMLResponse(redoc, headers=redoc_headers)
