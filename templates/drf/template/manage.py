#!/usr/bin/env python
"""Django's command-line utility: `python manage.py help` lists the commands."""

import sys


def main() -> None:
    from config.environment import SettingsError, use_settings

    try:
        use_settings()
        connect_without_a_pool()
        from django.core.management import execute_from_command_line
        from django.db import InterfaceError, OperationalError

        try:
            execute_from_command_line(sys.argv)
        except (OperationalError, InterfaceError) as error:
            # Server down, database missing, wrong password: one line, not a traceback.
            reason = " ".join(str(error).split()) or type(error).__name__
            sys.exit(f"error: the database is unavailable: {reason}")
    except SettingsError as error:
        sys.exit(f"error: {error}")


def connect_without_a_pool() -> None:
    """Commands (migrate, createsuperuser, runserver) connect directly: they need a connection or
    two, and a pool would hide why connecting failed (a missing database, a wrong password)
    behind its own timeout. Gunicorn's workers keep the pool (config/settings/base.py)."""
    from django.conf import settings

    for database in settings.DATABASES.values():
        database.get("OPTIONS", {}).pop("pool", None)


if __name__ == "__main__":
    main()
