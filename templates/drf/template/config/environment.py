"""The environment, read once: an optional .env file, and the settings module for ENVIRONMENT."""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

SETTINGS_MODULES = {
    "development": "config.settings.local",
    "test": "config.settings.test",
    "production": "config.settings.production",
}

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    # Real environment variables take precedence over the file.
    env.read_env(BASE_DIR / ".env")


class SettingsError(ImproperlyConfigured):
    """A setting is missing or wrong; manage.py prints the message alone, without a traceback."""


def settings_module() -> str:
    environment = str(env.str("ENVIRONMENT", default="development"))
    try:
        return SETTINGS_MODULES[environment]
    except KeyError:
        choices = ", ".join(SETTINGS_MODULES)
        raise SettingsError(f"ENVIRONMENT must be one of {choices}, not {environment!r}") from None


def use_settings() -> None:
    """Point Django at the settings for ENVIRONMENT, unless DJANGO_SETTINGS_MODULE is set."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module())
