"""Health checks (readiness touches the database, liveness does not), rate limiting before
authentication, the docs switch and JSON error pages."""

import functools
import math
from collections.abc import Callable
from typing import NoReturn

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .serializers import StatusSerializer


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
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except (DatabaseError, OSError):
            return Response({"status": "unavailable"}, status=503)
        return Response({"status": "ok"})


class LivenessView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()

    @extend_schema(operation_id="liveness", tags=["health"], responses={200: StatusSerializer})
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


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
