"""Request context (a request id, one access line per request, and a JSON 500 as last
resort), and the request body size limit."""

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
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
        """An exception no view handled: log it with its traceback, answer a JSON 500."""
        error_logger.error("Unhandled error", exc_info=exception)
        response = JsonResponse({"detail": "Internal server error"}, status=500)
        response._has_been_logged = True  # type: ignore[attr-defined]  # not again by Django
        return response


class BodySizeLimitMiddleware:
    """A body larger than MAX_BODY_BYTES (by its Content-Length) is refused before it is read.

    Without a Content-Length, Django reads no body at all, so none gets past this limit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_BODY_BYTES:
            return JsonResponse({"detail": "Request body too large"}, status=413)
        return self.get_response(request)
