"""The project's `flask` commands, what make runs:

- `flask create-user` (make createuser): an admin account, without the API;
- `flask check-config [--port]` (make run, make serve, the image): the settings checked once;
- `flask upgrade-db` (make migrate): the migrations, creating a missing PostgreSQL database.

check-config and upgrade-db build no application before they have checked the settings, so
pyproject.toml declares them as `flask.commands` entry points (Flask finds those without loading
the app); create-user runs inside the application (`app.cli`). Expected problems (bad settings,
the database down or missing, a port in use) end with one line on stderr, not a traceback.
"""

import errno
import logging
import os
import socket
from typing import NoReturn

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from . import crud
from .core.config import ConfigError, get_settings
from .schemas import UserCreate, UserCreateSchema


def fail(message: str, status: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    raise click.exceptions.Exit(status)


@click.command("create-user")
@click.option("--email", envvar="EMAIL", required=True, help="Login email of the new account.")
@click.option(
    "--password", envvar="PASSWORD", prompt=True, hide_input=True, help="At least 8 characters."
)
@click.option("--name", default="Administrator", show_default=True, help="Display name.")
@with_appcontext
def create_user_command(email: str, password: str, name: str) -> None:
    """Create an admin account without going through the API (the first one, typically). The
    only way to make an admin: the API never sets the role."""
    try:
        user_in: UserCreate = UserCreateSchema().load(
            {"name": name, "email": email, "password": password}
        )
    except ValidationError as error:
        problems = "; ".join(
            f"{field}: {' '.join(map(str, messages))}"
            for field, messages in error.messages_dict.items()
        )
        fail(problems, status=2)
    try:
        user = crud.create_user(user_in, is_admin=True)
    except crud.EmailAlreadyUsedError:
        fail(f"a user with email {user_in['email']} already exists")
    except SQLAlchemyError as error:  # the database is down, missing, or not migrated
        reason = first_line(error)
        hint = " (run make migrate first)" if "users" in reason else ""
        fail(f"cannot create the user: {reason}{hint}")
    click.echo(f"Created user {user.email} (an admin)")


@click.command("check-config")
@click.option(
    "--port", "check_port", is_flag=True, help="Also check that HOST:PORT is free to listen on."
)
def check_config_command(check_port: bool) -> None:
    """Check the settings once, as `make run` and `make serve` do before the server starts, so
    a bad configuration stops with one line, not a traceback in every worker."""
    try:
        get_settings()
    except ConfigError as error:
        fail(f"invalid settings: {error}")
    if check_port:
        host = os.environ.get("HOST", "").strip() or "127.0.0.1"
        port = os.environ.get("PORT", "").strip() or "8000"
        if not port.isdecimal() or not 0 < int(port) < 65536:
            fail(f"PORT must be a port number, not {port!r}")
        if problem := port_problem(host, int(port)):
            fail(problem)


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port, or None if it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind
        try:
            probe.bind((host, port))
        except OSError as error:
            in_use = error.errno == errno.EADDRINUSE
            reason = "is in use" if in_use else f"cannot be used ({error.strerror})"
            return f"port {port} on {host} {reason}: stop what listens there, or set PORT=..."
    return None


@click.command("upgrade-db")
def upgrade_db_command() -> None:
    """Apply the migrations (Flask-Migrate's `upgrade`), first creating a missing PostgreSQL
    database when the account may."""
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    from . import MIGRATIONS_DIRECTORY, create_app  # this module is imported by the package
    from .extensions import db, migrate

    logging.disable(logging.INFO)  # Alembic's own INFO lines: this command says what it did
    try:
        settings = get_settings()
    except ConfigError as error:
        fail(f"invalid settings: {error}")
    url = make_url(settings.sqlalchemy_database_url)
    try:
        app = create_app(settings)
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
    except SQLAlchemyError as error:
        where = url.render_as_string(hide_password=True)
        fail(f"cannot migrate the database at {where}: {first_line(error)}")
    click.echo(f"Database is at the latest migration ({head})")


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
        fail(
            f"database {name!r} does not exist and could not be created ({first_line(error)}):"
            f" create it with `createdb {name}` (as a user who may), then run make migrate again"
        )
    finally:
        server.dispose()
    click.echo(f"Created database {name}")
