"""Production (ENVIRONMENT=production, what `make serve` and the image run): secrets from the
environment, debug off, HTTPS only, docs off unless DOCS_ENABLED=true.

`python manage.py check --deploy --settings=config.settings.production` reports no warning.
"""

from config.environment import SettingsError, env

from .base import *  # noqa: F403

ENVIRONMENT = "production"
DEBUG = False

# Django's own rule (`check --deploy`, W009): at least 50 characters, at least 5 different ones.
SECRET_KEY = str(env.str("SECRET_KEY", default=""))
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise SettingsError(
        "SECRET_KEY must be set to a random value of at least 50 characters in production"
        ' (python -c "import secrets; print(secrets.token_urlsafe(48))")'
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise SettingsError(
        "ALLOWED_HOSTS must list the host names this service answers to in production,"
        " comma-separated (e.g. api.example.com,127.0.0.1)"
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

DOCS_ENABLED = env.bool("DOCS_ENABLED", default=False)

# HTTPS: TLS ends at a proxy (one of TRUSTED_PROXIES, from which Gunicorn believes
# X-Forwarded-Proto); plain HTTP is redirected, except the health checks (the container's
# HEALTHCHECK calls them over plain HTTP).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^health(/live)?$"]
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# No `preload` in the header: asking browsers to hard-code HTTPS for the whole domain, for
# good, is the domain owner's decision (hstspreload.org), not a template's default.
SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = ["security.W021"]  # the check --deploy warning that asks for it
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Content-Security-Policy (core/middleware.py): nothing may load from an API answer; the docs
# and the admin load their own scripts and styles, from this service only.
CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
CONTENT_SECURITY_POLICY_PAGES = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
    " worker-src 'self' blob:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)

# Static files with content hashes in their names, compressed, from `collectstatic`.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
