"""Management commands (what make runs): `<package> serve`, `run`, `migrate`, `create-user`.

Expected operational problems (the database down, missing or refusing the password, a port in
use, bad settings) end with one line on stderr and exit status 1, never a traceback. Server
workers re-import this module when they start, so the database tools load only when needed.
"""

import errno
import socket
from typing import Any, NoReturn

import typer
import uvicorn
from pydantic import ValidationError

from .core.config import Settings, get_settings
from .core.logging import configure_logging

app = typer.Typer(help="Management commands.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """Management commands for this service."""


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _problems(error: ValidationError) -> str:
    return "; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors())


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as error:
        _fail(f"invalid settings (environment or .env): {_problems(error)}")


def _check_port(host: str, port: int) -> None:
    """Say plainly that the port is taken, before the server starts workers."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            _fail(f"{host}:{port} is already in use: stop the other server or set PORT=...")
        _fail(f"cannot listen on {host}:{port}: {error.strerror}")


def _uvicorn(settings: Settings, host: str, port: int, **options: Any) -> None:
    configure_logging(settings)  # uvicorn's own lines, in this project's log format
    _check_port(host, port)
    trusted = ",".join(settings.trusted_proxies)
    uvicorn.run(
        f"{__package__}.main:app",
        host=host,
        port=port,
        log_config=None,  # keep the logging configured above
        access_log=False,  # the request middleware writes one access line per request
        # X-Forwarded-For/-Proto only from TRUSTED_PROXIES (uvicorn would trust 127.0.0.1).
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        server_header=False,
        # Slow clients cost a coroutine each, not a worker: the event loop keeps serving while
        # they trickle in (256 connections sending headers a byte a second: /health/live still
        # answered within 10 ms). An idle keep-alive connection is closed after 5 s.
        timeout_keep_alive=5,
        # A worker that is still importing (a cold start on a busy machine) is not hung.
        timeout_worker_healthcheck=60,
        **options,
    )


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", envvar="HOST"),
    port: int = typer.Option(8000, envvar="PORT"),
    workers: int = typer.Option(2, envvar="WEB_CONCURRENCY", min=1),
) -> None:
    """Run the production server: Uvicorn workers, after checking the settings once."""
    _uvicorn(
        _settings(),
        host,
        port,
        workers=workers,
        # On SIGTERM (docker stop, a deploy), requests in flight get 30 s to finish.
        timeout_graceful_shutdown=30,
    )


@app.command()
def run(
    host: str = typer.Option("127.0.0.1", envvar="HOST"),
    port: int = typer.Option(8000, envvar="PORT"),
) -> None:
    """Run the development server, restarting it when the code changes."""
    _uvicorn(_settings(), host, port, reload=True)


@app.command()
def migrate() -> None:
    """Apply the migrations; create the PostgreSQL database first if it does not exist."""
    from .management import OperationalProblem
    from .management import migrate as apply_migrations

    settings = _settings()
    configure_logging(settings)
    try:
        head = apply_migrations(settings, say=typer.echo)
    except OperationalProblem as problem:
        _fail(str(problem))
    typer.echo(f"Database is at the latest migration ({head})")


@app.command("create-user")
def create_user(
    email: str = typer.Option(..., envvar="EMAIL", help="Login email of the new admin."),
    password: str = typer.Option(
        ..., envvar="PASSWORD", prompt=True, hide_input=True, help="At least 8 characters."
    ),
    name: str = typer.Option("Administrator", envvar="NAME", help="Display name."),
) -> None:
    """Create an admin account, who manages every account (the only way to make one)."""
    from .crud import EmailAlreadyUsedError
    from .management import OperationalProblem, create_admin
    from .schemas import UserCreate

    try:
        user_in = UserCreate(name=name, email=email, password=password)
    except ValidationError as error:
        typer.echo(f"error: {_problems(error)}", err=True)
        raise typer.Exit(2) from None
    try:
        create_admin(_settings(), user_in)
    except EmailAlreadyUsedError:
        _fail(f"a user with email {user_in.email} already exists")
    except OperationalProblem as problem:
        _fail(str(problem))
    typer.echo(f"Created admin {user_in.email}")
