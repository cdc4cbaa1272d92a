"""Tests (pytest sets DJANGO_SETTINGS_MODULE=config.settings.test): debug off, cheap Argon2."""

import secrets

from django.contrib.auth.hashers import Argon2PasswordHasher

from .base import *  # noqa: F403

ENVIRONMENT = "test"
DEBUG = False

SECRET_KEY = secrets.token_urlsafe(48)
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 still, with small costs: the tests hash a few hundred passwords."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1


PASSWORD_HASHERS = ["config.settings.test.FastArgon2PasswordHasher"]

# No collected static files in tests: let WhiteNoise look them up instead of warning.
WHITENOISE_AUTOREFRESH = True
