"""Request context (a request id, one access line per request, and a JSON 500 or 503 as last
resort), the request body size limit (chunked bodies included) and the production headers
(Content-Security-Policy, and HSTS on every answer)."""

import io
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase

from .logging import request_id_var

access_logger = logging.getLogger("api.access")
error_logger = logging.getLogger("api.error")

# Incoming ids are echoed into logs and headers, so only a safe shape is accepted.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


class RequestContextMiddleware:
    """The outermost middleware, so its access line covers every answer, redirects included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        status_code = 500
        started_at = time.perf_counter()
        try:
            response = self.get_response(request)
            status_code = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            duration_ms = (time.perf_counter() - started_at) * 1000
            access_logger.info(
                "%s %s %d %.1fms",
                request.method,
                request.path,
                status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": status_code,
                    "duration_ms": round(duration_ms, 1),
                },
            )
            request_id_var.reset(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse:
        """An exception no view handled: a database outage is a 503 (the admin's pages too);
        anything else is logged with its traceback and answered with a JSON 500."""
        if isinstance(exception, OperationalError | InterfaceError):
            error_logger.warning("Database unavailable: %s", exception)
            return database_unavailable()
        error_logger.error("Unhandled error", exc_info=exception)
        response = JsonResponse({"detail": "Internal server error"}, status=500)
        response._has_been_logged = True  # type: ignore[attr-defined]  # not again by Django
        return response


def database_unavailable() -> JsonResponse:
    return JsonResponse(
        {"detail": "Database unavailable"}, status=503, headers={"Retry-After": "5"}
    )


class BodySizeLimitMiddleware:
    """A body larger than MAX_BODY_BYTES is refused with 413: by its Content-Length before it
    is read, or, sent chunked (no Content-Length), as soon as it passes the limit.

    Django reads no body without a Content-Length, so a chunked one is read here, up to the
    limit, and handed to Django as if it had come with its length.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        limit = settings.MAX_BODY_BYTES
        declared = request.META.get("CONTENT_LENGTH")
        if declared:
            try:
                length = int(declared)
            except ValueError:
                return JsonResponse({"detail": "Invalid Content-Length"}, status=400)
            if length > limit:
                return too_large()
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            stream = request.META.get("wsgi.input")
            body = stream.read(limit + 1) if stream is not None else b""
            if len(body) > limit:
                return too_large()
            request.META["CONTENT_LENGTH"] = str(len(body))
            request._stream = LimitedStream(io.BytesIO(body), len(body))  # type: ignore[assignment]
        return self.get_response(request)


def too_large() -> JsonResponse:
    return JsonResponse({"detail": "Request body too large"}, status=413)


class ContentSecurityPolicyMiddleware:
    """Production: a Content-Security-Policy on every answer (a strict one for the API, one
    that lets the docs and the admin load their own files), and HSTS even over plain HTTP,
    where Django's SecurityMiddleware leaves it out (TLS usually ends at a proxy)."""

    PAGES = ("/docs", "/redoc", "/admin/", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy:
            if request.path.startswith(self.PAGES):
                policy = settings.CONTENT_SECURITY_POLICY_PAGES
            response.headers.setdefault("Content-Security-Policy", policy)
        if settings.SECURE_HSTS_SECONDS:
            hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
            if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
                hsts += "; includeSubDomains"
            if settings.SECURE_HSTS_PRELOAD:
                hsts += "; preload"
            response.headers.setdefault("Strict-Transport-Security", hsts)
        return response
