"""Minimal Django REST framework service in one file: the three measured endpoints and nothing
else, on the template's stack (Django's ORM over SQLite or PostgreSQL, its Argon2 hasher, HTTP
Basic, a serializer)."""

import base64
import os
from urllib.parse import urlsplit

import django
from django.conf import settings
from django.db import connection
from django.urls import path


def database() -> dict[str, object]:
    url = urlsplit(os.environ.get("DATABASE_URL", "sqlite:///./app.db"))
    if url.scheme == "postgresql":
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": url.path.lstrip("/"),
            "USER": url.username or "",
            "PASSWORD": url.password or "",
            "HOST": url.hostname or "",
            "PORT": url.port or "",
            # The template's pool (config/settings/base.py), so that the ratio measures what
            # the template adds: without one, each request opens a connection, and 2 workers of
            # 64 threads open more than the server allows.
            "CONN_MAX_AGE": 0,
            "OPTIONS": {"pool": {"min_size": 2, "max_size": 8}},
        }
    # The template's, too: each thread keeps its connection (config/settings/base.py).
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": url.path.removeprefix("/"),
        "CONN_MAX_AGE": 60,
    }


settings.configure(
    DEBUG=False,
    SECRET_KEY="minimal app, benchmark only",  # noqa: S106
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["rest_framework", "drf_app"],
    DATABASES={"default": database()},
    PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"],
    USE_TZ=True,
    TIME_ZONE="UTC",
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
    },
)
django.setup()

from django.contrib.auth.hashers import check_password  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import models  # noqa: E402
from rest_framework import serializers  # noqa: E402
from rest_framework.decorators import api_view  # noqa: E402
from rest_framework.exceptions import AuthenticationFailed, NotFound  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from verified import check  # noqa: E402


class User(models.Model):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=100)
    age = models.PositiveSmallIntegerField(null=True)
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField()

    class Meta:
        app_label = "drf_app"
        db_table = "users_user"
        managed = False


class UserSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ("id", "name", "email", "age", "created_at")


@api_view(["GET"])
def health(request: Request) -> Response:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return Response({"status": "ok"})


def authenticate(request: Request) -> None:
    _, _, encoded = request.headers.get("Authorization", "").partition(" ")
    email, _, password = base64.b64decode(encoded).decode().partition(":")
    user = User.objects.filter(email=email).first()
    if user is None or not check(email, password, user.password, check_password):
        raise AuthenticationFailed


@api_view(["GET"])
def users(request: Request) -> Response:
    authenticate(request)
    limit = int(request.query_params.get("limit", 50))
    return Response(UserSerializer(User.objects.order_by("id")[:limit], many=True).data)


@api_view(["PATCH"])
def update(request: Request, user_id: int) -> Response:
    authenticate(request)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound
    serializer = UserSerializer(user, data=request.data, partial=True)
    serializer.is_valid(raise_exception=True)
    serializer.save()
    return Response(serializer.data)


urlpatterns = [
    path("health", health),
    path("users", users),
    path("users/<int:user_id>", update),
]
application = get_wsgi_application()
