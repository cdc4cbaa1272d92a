"""The ASGI application, for an ASGI server: `uvicorn config.asgi:application`."""

from django.core.asgi import get_asgi_application

from config.environment import use_settings

use_settings()
application = get_asgi_application()
