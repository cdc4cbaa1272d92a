"""Health checks (readiness touches the database, liveness does not) and JSON error pages."""

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .serializers import StatusSerializer


class HealthView(APIView):
    """Public: load balancers and the container's HEALTHCHECK call it without credentials."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

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

    @extend_schema(operation_id="liveness", tags=["health"], responses={200: StatusSerializer})
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return JsonResponse({"detail": "Bad request"}, status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return JsonResponse({"detail": "Permission denied"}, status=403)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return JsonResponse({"detail": "Not found"}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"detail": "Internal server error"}, status=500)
