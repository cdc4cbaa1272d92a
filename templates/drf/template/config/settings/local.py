"""Development (ENVIRONMENT=development, the default of manage.py): debug on, local hosts."""

import secrets

from config.environment import env

from .base import *  # noqa: F403

ENVIRONMENT = "development"
DEBUG = True

# .env holds this project's development key. Without one, each process makes its own, and
# sessions (the admin's) last only as long as the process.
SECRET_KEY = str(env.str("SECRET_KEY", default="")) or secrets.token_urlsafe(48)
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", *env.list("ALLOWED_HOSTS", default=[])]
