"""Health checks (readiness touches the database, liveness does not), rate limiting before
authentication, the docs switch, the API's exception handler (validation errors: 422) and JSON
error pages."""

import functools
import math
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, NoReturn

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import escape
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    ErrorDetail,
    Throttled,
    UnsupportedMediaType,
    ValidationError,
)
from rest_framework.permissions import AllowAny
from rest_framework.renderers import StaticHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from .serializers import ErrorSerializer, HealthSerializer

# /health answers within this many seconds, whatever the database does.
HEALTH_PROBE_SECONDS = 1.5


class DatabaseUnavailable(APIException):
    """503 {"detail": "Database unavailable"}, Retry-After: 5."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Database unavailable"
    default_code = "database_unavailable"
    wait = 5  # DRF's handler turns it into Retry-After


class InvalidInput(ValidationError):
    """A validation error in the query string or the path; a plain ValidationError is the
    body's. The exception handler puts `location` first in each error's `loc`."""

    def __init__(self, detail: Any, location: str) -> None:
        super().__init__(detail)
        self.location = location


def validation_errors(detail: Any, loc: list[str | int]) -> list[dict[str, Any]]:
    """DRF's nested {field: [messages]} as a flat list of {loc, msg, type}, `type` being DRF's
    error code (required, invalid, max_length, unknown, ...)."""
    if isinstance(detail, dict):
        found: list[dict[str, Any]] = []
        for key, value in detail.items():
            where = loc if key == api_settings.NON_FIELD_ERRORS_KEY else [*loc, key]
            found += validation_errors(value, where)
        return found
    if isinstance(detail, list):
        found = []
        for index, item in enumerate(detail):
            found += validation_errors(item, [*loc, index] if isinstance(item, dict) else loc)
        return found
    code = detail.code if isinstance(detail, ErrorDetail) and detail.code else "invalid"
    return [{"loc": loc, "msg": str(detail), "type": code}]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Invalid input is 422 {"detail": [{"loc", "msg", "type"}, ...]}; a database outage
    (refused, timed out, dropped) is 503; the rest is DRF's {"detail": "..."}."""
    if isinstance(exc, ValidationError):
        set_rollback()
        location = exc.location if isinstance(exc, InvalidInput) else "body"
        errors = validation_errors(exc.detail, [location])
        return Response({"detail": errors}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, OperationalError | InterfaceError):
        exc = DatabaseUnavailable()
    return drf_exception_handler(exc, context)


def json_body(request: Request) -> Any:
    """The request's parsed body. Malformed JSON is a 400 and another media type a 415 (the
    parser says so); no body at all is a 422 at ["body"], a body without a media type a 415."""
    data = request.data
    if request.stream is None:
        missing = ErrorDetail("A JSON body is required.", code="required")
        raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [missing]})
    if not request.content_type:
        raise UnsupportedMediaType("")
    return data


class TooManyRequests(Throttled):
    """429 {"detail": "Too many requests"}, with Retry-After in whole seconds."""

    default_detail = "Too many requests"

    def __init__(self, wait: float | None) -> None:
        super().__init__(detail=self.default_detail)
        self.wait = max(1, math.ceil(wait or 0))


class ThrottleFirstMixin(APIView):
    """Checks the throttles (RATE_LIMIT) before the credentials, not after them as DRF does,
    so that wrong credentials count too: nobody tries more than RATE_LIMIT passwords or tokens."""

    def perform_authentication(self, request: Request) -> None:
        super().check_throttles(request)
        super().perform_authentication(request)

    def check_throttles(self, request: Request) -> None:
        """Done already, in perform_authentication."""

    def throttled(self, request: Request, wait: float) -> NoReturn:
        raise TooManyRequests(wait)


class HealthView(APIView):
    """Public: load balancers and the container's HEALTHCHECK call it without credentials."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()

    @extend_schema(
        operation_id="getHealth",
        summary="Check the service and its database",
        description="Public. 200 when the database answers within 1.5 seconds, else 503.",
        tags=["health"],
        responses={
            200: HealthSerializer,
            503: OpenApiResponse(ErrorSerializer, description="The database does not answer"),
        },
        auth=[],
    )
    def get(self, request: Request) -> Response:
        if not database_probe.answers(HEALTH_PROBE_SECONDS):
            raise DatabaseUnavailable
        return Response({"status": "ok"})


class DatabaseProbe:
    """`SELECT 1` on a thread of its own, waited for at most a given time: /health answers
    promptly even while the database is silent (connecting alone may take DATABASE_TIMEOUT).
    One probe at a time per process: while one is stuck, /health answers 503 at once."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-probe")
        self._lock = threading.Lock()
        self._running: Future[bool] | None = None

    def answers(self, seconds: float) -> bool:
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._executor.submit(self._select_one)
            running = self._running
        try:
            return running.result(timeout=seconds)
        except FutureTimeout:
            return False

    def close(self) -> None:
        """Close the probe's own database connection (tests do, before the test database goes)."""
        self._executor.submit(lambda: connection.close()).result()  # the probe thread's own

    @staticmethod
    def _select_one() -> bool:
        try:
            connection.close_if_unusable_or_obsolete()
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except (DatabaseError, OSError):
            return False
        return True


database_probe = DatabaseProbe()


class LivenessView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()

    @extend_schema(
        operation_id="getLiveness",
        summary="Check that the process is alive",
        description="Public. 200 whenever the service runs, whatever its database does.",
        tags=["health"],
        responses={200: HealthSerializer},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class RedocView(APIView):
    """/redoc: drf-spectacular's Redoc page, less the web fonts its template takes from Google,
    so that all it loads comes from this service (drf-spectacular-sidecar): it works offline
    and under the production Content-Security-Policy."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    renderer_classes = (StaticHTMLRenderer,)

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        script = static("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")
        page = (
            "<!DOCTYPE html>\n<html>\n<head>\n"
            f"<title>{escape(settings.PROJECT_NAME)}</title>\n"
            '<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            "<style>body { margin: 0; padding: 0; }</style>\n</head>\n<body>\n"
            f'<redoc spec-url="{escape(reverse("openapi"))}"></redoc>\n'
            f'<script src="{escape(script)}"></script>\n'
            "</body>\n</html>\n"
        )
        return Response(page)


View = Callable[..., HttpResponseBase]


def unless_docs_disabled(view: View) -> View:
    """DOCS_ENABLED=false hides the schema and docs: 404, as for any unknown path."""

    @functools.wraps(view)
    def docs_view(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if not settings.DOCS_ENABLED:
            return not_found(request, Http404())
        return view(request, *args, **kwargs)

    return docs_view


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return JsonResponse({"detail": "Bad request"}, status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return JsonResponse({"detail": "Permission denied"}, status=403)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return JsonResponse({"detail": "Not found"}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"detail": "Internal server error"}, status=500)
