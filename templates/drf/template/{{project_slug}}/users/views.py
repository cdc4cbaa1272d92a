"""The /users resource and /secure. Both need an authenticated account and are rate limited
(RATE_LIMIT per client address); who sees which account: permissions.py. Each operation's
OpenAPI description (operationId, summary, every answer it can give) is declared next to it."""

from typing import cast

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import APIException, ErrorDetail, NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..core.serializers import ErrorSerializer, HTTPValidationErrorSerializer, MessageSerializer
from ..core.views import InvalidInput, ThrottleFirstMixin, json_body
from . import events
from .models import User
from .pagination import PAGE_PARAMETERS, page
from .permissions import CREATE_REFUSED, CREATE_RULE, RULE, UserAccessPolicy, visible_users
from .serializers import UserCreateSerializer, UserSerializer, UserUpdateSerializer

MAX_ID = 2**63 - 1
# One serializer for every answer: building its fields (deep copies) for each request bought
# nothing; to_representation reads them only, so threads share it safely.
ACCOUNT = UserSerializer()
ANSWERED = tuple(ACCOUNT.fields)


class EmailAlreadyUsed(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Email already used"
    default_code = "email_already_used"


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


# The answers operations share, as the OpenAPI schema shows them.
MALFORMED = {400: error("The body cannot be read (not valid JSON, for a JSON body)")}
INVALID = {422: OpenApiResponse(HTTPValidationErrorSerializer, description="Invalid input")}
BODY = {
    413: error("The body is larger than the service accepts"),
    415: error("The body is not of the media type this operation takes"),
}
UNAUTHORIZED = error("Missing or wrong credentials")
TOO_MANY_REQUESTS = error(
    "Too many requests from this client, or too many failed logins; retry after Retry-After"
)
UNAVAILABLE = error(
    "The database is unavailable, or the server is busy checking passwords; retry after Retry-After"
)
# What every rate-limited, authenticated operation can answer besides its own statuses.
PROTECTED = {401: UNAUTHORIZED, 429: TOO_MANY_REQUESTS, 503: UNAVAILABLE}
NOT_FOUND = {404: error("User not found, or not yours to see")}
FORBIDDEN = {403: error(CREATE_REFUSED)}
CONFLICT = {409: error("Email already used")}
USER_ID = OpenApiParameter(
    "user_id",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    OpenApiParameter.PATH,
    description="The account's id.",
)


@extend_schema(tags=["users"])
class UserViewSet(ThrottleFirstMixin, viewsets.GenericViewSet[User]):
    queryset = User.objects.order_by("id")
    permission_classes = (UserAccessPolicy,)
    serializer_class = UserSerializer
    lookup_url_kwarg = "user_id"
    # Any path segment reaches get_object, so that /users/abc is a 422 that names user_id.
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> "QuerySet[User]":
        return visible_users(self.request.user)

    def get_object(self) -> User:
        """The account `user_id` names, if this client may see it: 422 for an id that is not
        a whole number from 1 to 2**63 - 1, 404 for one that names no account it may see."""
        text = str(self.kwargs["user_id"])
        whole = len(text) <= 19 and text.isascii() and text.isdecimal()
        if not (whole and 1 <= int(text) <= MAX_ID):
            wrong = ErrorDetail(f"A whole number from 1 to {MAX_ID} is required.", "invalid")
            raise InvalidInput({"user_id": [wrong]}, "path")
        user = self.get_queryset().filter(pk=int(text)).first()
        if user is None:
            raise NotFound("User not found")
        return user

    @extend_schema(
        operation_id="listUsers",
        summary="List accounts",
        description=f"Accounts in creation order, `limit` at a time from `offset`. {RULE}",
        parameters=PAGE_PARAMETERS,
        responses={200: UserSerializer(many=True), **PROTECTED, **INVALID},
    )
    def list(self, request: Request) -> Response:
        offset, limit = page(request)
        # Rows as dicts of the five answered columns: no model instances, no password hashes
        # read for a list (issue 20's profile: model building was a tenth of the request).
        rows = self.get_queryset().values(*ANSWERED)[offset : offset + limit]
        return Response([ACCOUNT.to_representation(row) for row in rows])

    @extend_schema(
        operation_id="createUser",
        summary="Create an account",
        description=f"Create an ordinary account. {CREATE_RULE}",
        request=UserCreateSerializer,
        responses={
            201: UserSerializer,
            **MALFORMED,
            **PROTECTED,
            **FORBIDDEN,
            **CONFLICT,
            **BODY,
            **INVALID,
        },
    )
    def create(self, request: Request) -> Response:
        serializer = UserCreateSerializer(data=json_body(request))
        serializer.is_valid(raise_exception=True)
        user = self._save(serializer)
        events.user_created(user)
        location = reverse("user-detail", kwargs={"user_id": user.pk})
        return Response(ACCOUNT.to_representation(user), status=201, headers={"Location": location})

    @extend_schema(
        operation_id="getUser",
        parameters=[USER_ID],
        summary="Read an account",
        description=f"One account. {RULE}",
        responses={200: UserSerializer, **PROTECTED, **NOT_FOUND, **INVALID},
    )
    def retrieve(self, request: Request, user_id: str) -> Response:
        return Response(ACCOUNT.to_representation(self.get_object()))

    @extend_schema(
        operation_id="updateUser",
        parameters=[USER_ID],
        summary="Change an account",
        description=f"Change the given fields of one account; the others stay. {RULE}",
        request=UserUpdateSerializer,
        responses={
            200: UserSerializer,
            **MALFORMED,
            **PROTECTED,
            **NOT_FOUND,
            **CONFLICT,
            **BODY,
            **INVALID,
        },
    )
    def partial_update(self, request: Request, user_id: str) -> Response:
        user = self.get_object()
        serializer = UserUpdateSerializer(user, data=json_body(request), partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(ACCOUNT.to_representation(self._save(serializer)))

    @extend_schema(
        operation_id="deleteUser",
        parameters=[USER_ID],
        summary="Delete an account",
        description=f"Delete one account. {RULE}",
        responses={204: None, **PROTECTED, **NOT_FOUND, **INVALID},
    )
    def destroy(self, request: Request, user_id: str) -> Response:
        self.get_object().delete()
        return Response(status=204)

    @staticmethod
    def _save(serializer: UserCreateSerializer) -> User:
        """The unique index on email, not a prior lookup, decides duplicates (no race)."""
        try:
            with transaction.atomic():
                return serializer.save()
        except IntegrityError:
            raise EmailAlreadyUsed from None


class SecureView(ThrottleFirstMixin, APIView):
    @extend_schema(
        operation_id="getSecure",
        summary="Greet the signed-in account",
        description="A greeting with the email of the account whose credentials came along.",
        tags=["auth"],
        responses={200: MessageSerializer, **PROTECTED},
    )
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)  # IsAuthenticated: never the anonymous user here
        return Response({"message": f"Hello, {user.email}"})
