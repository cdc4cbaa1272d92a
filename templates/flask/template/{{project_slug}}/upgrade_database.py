"""`python -m <package>.upgrade_database` (what `make migrate` runs): apply the migrations
(Flask-Migrate's `upgrade`), first creating a missing PostgreSQL database when the account may.
Expected problems (the server down, a wrong password, no right to create the database) end with
one line that says what to do, not a traceback."""

import logging
import sys

from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from . import MIGRATIONS_DIRECTORY, create_app
from .config import Config, ConfigError
from .extensions import db, migrate


class MigrateError(Exception):
    """An expected problem, said in one line."""


def first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    return (str(original).strip().splitlines() or [type(original).__name__])[0]


def missing_database(error: DBAPIError) -> bool:
    return 'database "' in str(error.orig) and "does not exist" in str(error.orig)


def create_database(url: URL) -> None:
    """CREATE DATABASE from the server's `postgres` database, or say how to."""
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = str(url.database)
    try:
        with server.connect() as connection:
            quoted = server.dialect.identifier_preparer.quote(name)
            connection.execute(text(f"CREATE DATABASE {quoted}"))
    except SQLAlchemyError as error:
        raise MigrateError(
            f"database {name!r} does not exist and could not be created ({first_line(error)}):"
            f" create it with `createdb {name}` (as a user who may), then run make migrate again"
        ) from None
    finally:
        server.dispose()
    print(f"Created database {name}")


def main() -> int:
    logging.disable(logging.INFO)  # Alembic's own INFO lines: this command says what it did
    try:
        config = Config.from_env()
        app = create_app(config)
        url = make_url(config.sqlalchemy_database_url)
        with app.app_context():
            try:
                with db.engine.connect():
                    pass
            except DBAPIError as error:
                if url.get_backend_name() != "postgresql" or not missing_database(error):
                    raise
                db.engine.dispose()
                create_database(url)
            upgrade(directory=str(MIGRATIONS_DIRECTORY))
            head = ScriptDirectory.from_config(migrate.get_config()).get_current_head()
    except ConfigError as error:
        print(f"error: invalid settings: {error}", file=sys.stderr)
        return 1
    except MigrateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        where = url.render_as_string(hide_password=True)
        print(
            f"error: cannot migrate the database at {where}: {first_line(error)}", file=sys.stderr
        )
        return 1
    print(f"Database is at the latest migration ({head})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
