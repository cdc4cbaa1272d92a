"""`flask create-user`: create an admin account without the API (what `make createuser` runs).
The only way to make an admin: the API never sets the role."""

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from . import crud
from .schemas import UserCreate, UserCreateSchema


@click.command("create-user")
@click.option("--email", envvar="EMAIL", required=True, help="Login email of the new account.")
@click.option(
    "--password", envvar="PASSWORD", prompt=True, hide_input=True, help="At least 8 characters."
)
@click.option("--name", default="Administrator", show_default=True, help="Display name.")
@with_appcontext
def create_user_command(email: str, password: str, name: str) -> None:
    """Create an admin account without going through the API (the first one, typically)."""
    try:
        user_in: UserCreate = UserCreateSchema().load(
            {"name": name, "email": email, "password": password}
        )
    except ValidationError as error:
        problems = "; ".join(
            f"{field}: {' '.join(map(str, messages))}"
            for field, messages in error.messages_dict.items()
        )
        click.echo(f"error: {problems}", err=True)
        raise click.exceptions.Exit(2) from None
    try:
        user = crud.create_user(user_in, is_admin=True)
    except crud.EmailAlreadyUsedError:
        click.echo(f"error: a user with email {user_in['email']} already exists", err=True)
        raise click.exceptions.Exit(1) from None
    except SQLAlchemyError as error:  # the database is down, missing, or not migrated
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        hint = " (run make migrate first)" if "users" in reason else ""
        click.echo(f"error: cannot create the user: {reason}{hint}", err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(f"Created user {user.email} (an admin)")
