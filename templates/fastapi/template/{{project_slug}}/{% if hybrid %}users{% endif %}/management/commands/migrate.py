"""Django's migrate, which first creates a missing PostgreSQL database (when the account may)
and ends with one line saying where the database stands."""

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder

from ...database import create_missing_database


class Command(migrate.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        alias = options.get("database") or DEFAULT_DB_ALIAS
        created = create_missing_database(connections[alias])
        if created:
            self.stdout.write(f"Created the database {created}")
        super().handle(*args, **options)
        if options.get("plan") or options.get("check_unapplied"):
            return
        self.stdout.write(f"Database is at the latest migration ({latest(alias)})")


def latest(alias: str) -> str:
    applied = MigrationRecorder(connections[alias]).applied_migrations()
    names = sorted(name for app, name in applied if app == "users")
    if not names:
        raise CommandError("No migration of the users app is applied")
    return names[-1].split("_", 1)[0]
