"""The `apigen` command line: thin typer commands over the generation module."""

import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated, NoReturn

import typer

from . import __version__, catalogue

NEW_EXAMPLES = """\
Examples:

  apigen new my-api                          # asks the questions

  apigen new my-api --framework fastapi --defaults

  apigen new my-api --defaults --data framework=fastapi --data log_format=json
"""

app = typer.Typer(
    help="Generate ready-to-run API projects (FastAPI, Flask, Django REST Framework).",
    epilog="Example: apigen new my-api --framework fastapi --defaults",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"apigen {__version__}")
        raise typer.Exit


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Generate ready-to-run API projects (FastAPI, Flask, Django REST Framework)."""


def _fail(message: str, exit_code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(exit_code)


def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt


@app.command(epilog=NEW_EXAMPLES)
def new(
    destination: Annotated[Path, typer.Argument(help="Directory to create: new or empty.")],
    framework: Annotated[
        str | None,
        typer.Option("--framework", "-f", help="fastapi, flask or drf; asked if not given."),
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", metavar="KEY=VALUE", help="An answer; repeatable."),
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Use the default for every answer not given.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Create a new API project in DESTINATION."""
    from .generation import GenerationError, generate, missing_answers, parse_data

    signal.signal(signal.SIGTERM, _interrupt)
    try:
        answers = parse_data(data or [])
        if framework is not None:
            answers["framework"] = framework
        if not defaults and not sys.stdin.isatty():
            missing = missing_answers(answers)
            if missing:
                _fail(
                    f"no terminal to ask for {', '.join(missing)}: pass --defaults, "
                    "or give them with --data KEY=VALUE",
                    2,
                )
        project = generate(destination, answers, defaults=defaults)
    except (GenerationError, catalogue.TemplateNotFoundError) as error:
        if debug:
            raise
        _fail(str(error), getattr(error, "exit_code", 1))
    except KeyboardInterrupt:
        _fail("interrupted; nothing was written", 130)

    typer.echo(f"Created {project.destination} ({project.answers['framework']}):")
    for path in project.files:
        typer.echo(f"  {path}")
    typer.echo("\nNext:")
    typer.echo(f"  cd {destination}")
    typer.echo("  make install && make migrate")
    typer.echo("  make createuser EMAIL=you@example.com PASSWORD='a long password'")
    typer.echo("  make run        # then open http://127.0.0.1:8000/docs")


def main() -> None:
    app()
