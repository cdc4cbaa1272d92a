"""The WSGI application, served by Gunicorn: `gunicorn config.wsgi`."""

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from config.environment import use_settings

use_settings()
application = get_wsgi_application()
# Import the URLs, and with them every view, now: not in a worker's first request, which
# would otherwise take a second or more on a busy machine.
get_resolver().url_patterns  # noqa: B018
