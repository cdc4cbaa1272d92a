"""Health checks (readiness touches the database, liveness does not), rate limiting before
authentication, the docs switch, the API's exception handler and JSON error pages."""

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
from rest_framework.exceptions import APIException, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.renderers import StaticHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from .serializers import StatusSerializer

# /health answers within this many seconds, whatever the database does.
HEALTH_PROBE_SECONDS = 1.5


class DatabaseUnavailable(APIException):
    """503 {"detail": "Database unavailable"}, Retry-After: 5."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Database unavailable"
    default_code = "database_unavailable"
    wait = 5  # DRF's handler turns it into Retry-After


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, after turning a database outage (refused, timed out, dropped) into 503."""
    if isinstance(exc, OperationalError | InterfaceError):
        exc = DatabaseUnavailable()
    return drf_exception_handler(exc, context)


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
        operation_id="health",
        tags=["health"],
        responses={
            200: StatusSerializer,
            503: OpenApiResponse(StatusSerializer, description="The database does not answer"),
        },
    )
    def get(self, request: Request) -> Response:
        if not database_probe.answers(HEALTH_PROBE_SECONDS):
            return Response({"status": "unavailable"}, status=503)
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

    @extend_schema(operation_id="liveness", tags=["health"], responses={200: StatusSerializer})
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
