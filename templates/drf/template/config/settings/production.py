"""Production (ENVIRONMENT=production): secrets from the environment, debug off, HTTPS only.

`python manage.py check --deploy --settings=config.settings.production` reports no warning.
"""

from config.environment import SettingsError, env

from .base import *  # noqa: F403

ENVIRONMENT = "production"
DEBUG = False

SECRET_KEY = str(env.str("SECRET_KEY", default=""))
if len(SECRET_KEY) < 32:
    raise SettingsError(
        "SECRET_KEY must be set to a random value of at least 32 characters in production"
        ' (python -c "import secrets; print(secrets.token_urlsafe(48))")'
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise SettingsError(
        "ALLOWED_HOSTS must list the host names this service answers to in production,"
        " comma-separated (e.g. api.example.com,127.0.0.1)"
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS: TLS ends at a proxy that sets X-Forwarded-Proto; plain HTTP is redirected, except
# the health checks (the container's HEALTHCHECK calls them over plain HTTP).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^health(/live)?$"]
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Static files with content hashes in their names, compressed, from `collectstatic`.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
