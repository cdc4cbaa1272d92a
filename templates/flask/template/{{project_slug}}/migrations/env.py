"""Alembic environment for Flask-Migrate: `flask db ...` runs it inside the application."""

import logging
from typing import Any

from alembic import context
from flask import current_app

logger = logging.getLogger("alembic.env")

# The Migrate extension bound in create_app: its database, metadata and Alembic options.
migrate = current_app.extensions["migrate"]
target_metadata = migrate.db.metadata


def skip_empty_revisions(migration_context: Any, revision: Any, directives: list[Any]) -> None:
    """`flask db migrate` writes no file when the models did not change."""
    autogenerate = getattr(context.config.cmd_opts, "autogenerate", False)
    if autogenerate and directives and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline() -> None:
    context.configure(
        url=migrate.db.engine.url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    options = dict(migrate.configure_args)
    options.setdefault("process_revision_directives", skip_empty_revisions)
    with migrate.db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
