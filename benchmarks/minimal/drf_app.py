"""Minimal Django REST framework service in one file: the two measured endpoints and nothing
else, on the template's stack (Django's ORM, its Argon2 hasher, HTTP Basic, a serializer)."""

import base64

import django
from django.conf import settings
from django.db import connection
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="minimal app, benchmark only",  # noqa: S106
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["rest_framework", "drf_app"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "app.db"}},
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
from rest_framework.exceptions import AuthenticationFailed  # noqa: E402
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


@api_view(["GET"])
def users(request: Request) -> Response:
    _, _, encoded = request.headers.get("Authorization", "").partition(" ")
    email, _, password = base64.b64decode(encoded).decode().partition(":")
    user = User.objects.filter(email=email).first()
    if user is None or not check(email, password, user.password, check_password):
        raise AuthenticationFailed
    limit = int(request.query_params.get("limit", 50))
    return Response(UserSerializer(User.objects.order_by("id")[:limit], many=True).data)


urlpatterns = [path("health", health), path("users", users)]
application = get_wsgi_application()
