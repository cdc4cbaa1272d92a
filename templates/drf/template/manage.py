#!/usr/bin/env python
"""Django's command-line utility: `python manage.py help` lists the commands."""

import sys


def main() -> None:
    from config.environment import SettingsError, use_settings

    try:
        use_settings()
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
    except SettingsError as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
