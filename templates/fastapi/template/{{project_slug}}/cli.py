"""Management commands: `<package> serve` and `<package> create-user` (what make runs)."""

import asyncio

import typer
import uvicorn
from pydantic import ValidationError

from . import crud
from .core.config import get_settings
from .core.db import create_engine, create_session_factory
from .schemas import UserCreate

app = typer.Typer(help="Management commands.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """Management commands for this service."""


def _problems(error: ValidationError) -> str:
    return "; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors())


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", envvar="HOST"),
    port: int = typer.Option(8000, envvar="PORT"),
    workers: int = typer.Option(2, envvar="WEB_CONCURRENCY", min=1),
) -> None:
    """Run the production server: Uvicorn workers, after checking the settings once."""
    try:
        get_settings()
    except ValidationError as error:
        typer.echo(f"error: invalid settings: {_problems(error)}", err=True)
        raise typer.Exit(1) from None
    uvicorn.run(
        f"{__package__}.main:app",
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # the request middleware writes one access line per request
        proxy_headers=True,
        timeout_keep_alive=5,  # an idle client connection is closed after 5 s
        # On SIGTERM (docker stop, a deploy), requests in flight get 30 s to finish.
        timeout_graceful_shutdown=30,
    )


@app.command("create-user")
def create_user(
    email: str = typer.Option(..., envvar="EMAIL", help="Login email of the new account."),
    password: str = typer.Option(
        ..., envvar="PASSWORD", prompt=True, hide_input=True, help="At least 8 characters."
    ),
    name: str = typer.Option("Administrator", envvar="NAME", help="Display name."),
) -> None:
    """Create an account without going through the API (the first one, typically)."""
    try:
        user_in = UserCreate(name=name, email=email, password=password)
    except ValidationError as error:
        typer.echo(f"error: {_problems(error)}", err=True)
        raise typer.Exit(2) from None
    try:
        asyncio.run(_create_user(user_in))
    except crud.EmailAlreadyUsedError:
        typer.echo(f"error: a user with email {user_in.email} already exists", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Created user {user_in.email}")


async def _create_user(user_in: UserCreate) -> None:
    engine = create_engine(get_settings())
    try:
        async with create_session_factory(engine)() as session:
            await crud.create_user(session, user_in)
    finally:
        await engine.dispose()
