"""The /users resource (a ModelViewSet) and /secure. Both require an authenticated user, and
are rate limited (RATE_LIMIT per client address); who sees which account: permissions.py."""

from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.exceptions import APIException, NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from ..core.serializers import ErrorSerializer, MessageSerializer
from ..core.views import ThrottleFirstMixin
from .models import User
from .pagination import LimitOffsetListPagination
from .permissions import CREATE_REFUSED, CREATE_RULE, RULE, UserAccessPolicy, visible_users
from .serializers import UserSerializer


class EmailAlreadyUsed(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Email already used"
    default_code = "email_already_used"


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


INVALID = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Invalid input: each offending field with its messages",
)
UNAUTHORIZED = error("Missing or wrong credentials")
TOO_MANY_REQUESTS = error(
    "Too many requests from this client, or too many failed logins; retry after Retry-After"
)
UNAVAILABLE = error(
    "The database is unavailable, or the server is busy checking passwords; retry after Retry-After"
)
# What every rate-limited, authenticated operation can answer besides its own statuses.
PROTECTED = {401: UNAUTHORIZED, 429: TOO_MANY_REQUESTS, 503: UNAVAILABLE}
NOT_FOUND = error("User not found, or not yours to see (ordinary accounts see only their own)")
FORBIDDEN = error(CREATE_REFUSED)
CONFLICT = error("Email already used")


@extend_schema_view(
    list=extend_schema(
        description=f"Accounts in creation order. {RULE}",
        responses={200: UserSerializer(many=True), 400: INVALID, **PROTECTED},
    ),
    create=extend_schema(
        description=f"Create an ordinary account. {CREATE_RULE}",
        responses={
            201: UserSerializer,
            400: INVALID,
            **PROTECTED,
            403: FORBIDDEN,
            409: CONFLICT,
        },
    ),
    retrieve=extend_schema(
        description=f"One account. {RULE}",
        responses={200: UserSerializer, **PROTECTED, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        description=f"Change the given fields of one account. {RULE}",
        responses={
            200: UserSerializer,
            400: INVALID,
            **PROTECTED,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    ),
    destroy=extend_schema(
        description=f"Delete one account. {RULE}",
        responses={204: None, **PROTECTED, 404: NOT_FOUND},
    ),
)
@extend_schema(tags=["users"])
class UserViewSet(ThrottleFirstMixin, viewsets.ModelViewSet[User]):
    queryset = User.objects.order_by("id")
    permission_classes = (UserAccessPolicy,)
    serializer_class = UserSerializer
    pagination_class = LimitOffsetListPagination
    lookup_url_kwarg = "user_id"
    # Any path segment reaches get_object, so /users/1.5 is "User not found" too.
    lookup_value_regex = "[^/]+"
    # PATCH updates; there is no PUT in the contract.
    http_method_names = ("get", "post", "patch", "delete", "head", "options")

    def get_queryset(self) -> "QuerySet[User]":
        return visible_users(self.request.user)

    def get_object(self) -> User:
        """Any id that names no user (unknown, not a number, beyond 64 bits) is a 404."""
        try:
            return super().get_object()
        except (Http404, ValueError, OverflowError):
            raise NotFound("User not found") from None

    def get_success_headers(self, data: Any) -> dict[str, str]:
        return {"Location": reverse("user-detail", kwargs={"user_id": data["id"]})}

    def perform_create(self, serializer: BaseSerializer[User]) -> None:
        self._save(serializer)

    def perform_update(self, serializer: BaseSerializer[User]) -> None:
        self._save(serializer)

    @staticmethod
    def _save(serializer: BaseSerializer[User]) -> None:
        """The unique index on email, not a prior lookup, decides duplicates (no race)."""
        try:
            with transaction.atomic():
                serializer.save()
        except IntegrityError:
            raise EmailAlreadyUsed from None


class SecureView(ThrottleFirstMixin, APIView):
    @extend_schema(
        operation_id="secure",
        tags=["auth"],
        responses={200: MessageSerializer, **PROTECTED},
    )
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)  # IsAuthenticated: never the anonymous user here
        return Response({"message": f"Hello, {user.email}"})
