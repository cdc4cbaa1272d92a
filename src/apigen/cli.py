"""The `apigen` command line: thin typer commands over the generation and catalogue modules."""

import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from . import __version__, catalogue

if TYPE_CHECKING:
    from .generation import Project
    from .update import UpdateResult

NEW_EXAMPLES = """\
Examples:

\b
  apigen new my-api                               # asks the questions
  apigen new my-api --framework fastapi --defaults
  apigen new my-api --defaults -d framework=fastapi -d log_format=json
  apigen new my-api --framework fastapi --defaults --dry-run
  apigen new my-api --framework fastapi --defaults --install
"""

LIST_EXAMPLES = """\
Examples:

\b
  apigen list
  apigen list --json | jq '.options[] | select(.name == "database")'
"""

app = typer.Typer(
    help="Generate ready-to-run API projects (FastAPI, Flask, Django REST Framework).",
    epilog="Example: apigen new my-api --framework fastapi --defaults",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
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


@contextmanager
def _one_line_errors(*, debug: bool, interrupted: str) -> Iterator[None]:
    """apigen's failures as one line and an exit code; SIGTERM is handled like Ctrl-C."""
    from .generation import GenerationError

    signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    except (GenerationError, catalogue.TemplateNotFoundError) as error:
        if debug:
            raise
        _fail(str(error), getattr(error, "exit_code", 1))
    except KeyboardInterrupt:
        _fail(interrupted, 130)


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
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the files that would be written; write none.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Add the project to a non-empty directory.")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="With --force: replace existing files too.")
    ] = False,
    git: Annotated[
        bool, typer.Option("--git/--no-git", help="Start a git repository with a first commit.")
    ] = True,
    install: Annotated[
        bool,
        typer.Option("--install", "--verify", help="Then install the project and run its tests."),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Create a new API project in DESTINATION."""
    from .generation import generate, missing_answers, parse_data

    with _one_line_errors(debug=debug, interrupted="interrupted; nothing was written"):
        answers = parse_data(data or [])
        if framework is not None:
            answers["framework"] = framework
        if overwrite and not force:
            _fail("--overwrite only goes with --force", 2)
        if not defaults and not sys.stdin.isatty():
            missing = missing_answers(answers)
            if missing:
                _fail(
                    f"no terminal to ask for {', '.join(missing)}: pass --defaults, "
                    "or give them with --data KEY=VALUE",
                    2,
                )
        project = generate(
            destination,
            answers,
            defaults=defaults,
            force=force,
            overwrite=overwrite,
            dry_run=dry_run,
        )

    if dry_run:
        typer.echo(f"Would create {project.destination} ({project.answers['framework']}):")
        for path in project.files:
            typer.echo(f"  {path}")
        return
    _report(project)
    if git:
        from .bootstrap import init_git

        typer.echo(init_git(project.destination, project.answers))
    if install:
        _verify(project.destination)
    typer.echo("\nNext:")
    typer.echo(f"  cd {destination}")
    if not install:
        typer.echo("  make install")
    typer.echo("  make migrate")
    typer.echo("  make createuser EMAIL=you@example.com PASSWORD='a long password'")
    typer.echo("  make run        # then open http://127.0.0.1:8000/docs")


def _report(project: "Project") -> None:
    typer.echo(f"Created {project.destination}:")
    for path in project.files:
        typer.echo(f"  {path}")
    for path in project.kept:
        typer.echo(f"  {path} (yours, kept)")
    summary = ", ".join(f"{key}={value}" for key, value in project.answers.items())
    typer.echo(f"\nAnswers: {summary}")
    apigen_command, copier_command = project.reproduce_commands()
    typer.echo(f"\nTo make the same project again:\n  {apigen_command}\n  {copier_command}\n")


def _verify(project: Path) -> None:
    """Install and test the new project, with a spinner per step and a pass/fail summary."""
    from rich.console import Console

    from .bootstrap import VERIFY_STEPS, run_step

    console = Console(stderr=True)
    for step in VERIFY_STEPS:
        with console.status(f"{step.title}..."):
            result = run_step(project, step)
        if result.returncode != 0:
            console.print(f"[red]FAILED[/red] {step.title}")
            typer.echo((result.stdout + result.stderr)[-4000:], err=True)
            _fail(f"{step.title} failed; the project is in {project}", 1)
        console.print(f"[green]ok[/green] {step.title}")
    console.print("[green]The project installs and its tests pass.[/green]")


UPDATE_EXAMPLES = """\
Examples:

\b
  apigen update                         # to the installed apigen's templates
  apigen update --dry-run               # each file: new, unchanged, merged cleanly, conflicting
  apigen update -d log_format=json      # change an answer after generation
  apigen update path/to/my-api --to-version 0.2.0
"""


@app.command(epilog=UPDATE_EXAMPLES)
def update(
    project: Annotated[
        Path, typer.Argument(help="The generated project, committed (a clean git work tree).")
    ] = Path("."),
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", metavar="KEY=VALUE", help="Change an answer; repeatable."),
    ] = None,
    to_version: Annotated[
        str | None,
        typer.Option("--to-version", help="apigen version to update to; default: this one."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would happen to each file; write none.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Bring template improvements into a generated project, keeping your edits."""
    from .generation import parse_data
    from .update import update_project

    interrupted = (
        "interrupted; nothing was written"
        if dry_run
        else "interrupted; the work tree was clean before, so `git reset --hard && git clean -fd` "
        "undoes what the update wrote"
    )
    with _one_line_errors(debug=debug, interrupted=interrupted):
        result = update_project(
            project, data=parse_data(data or []), to_version=to_version, dry_run=dry_run
        )
    _report_update(result)
    raise typer.Exit(result.exit_code)


def _report_update(result: "UpdateResult") -> None:
    versions = f"{result.from_version} -> {result.to_version}"
    if result.dry_run:
        typer.echo(f"Would update {result.project} ({versions}); nothing written:")
        shown = sorted(result.files)
    elif result.changed:
        typer.echo(f"Updated {result.project} ({versions}):")
        shown = list(result.changed)
    else:
        typer.echo(f"{result.project} is up to date ({result.to_version}); nothing changed.")
        return
    for path in shown:
        typer.echo(f"  {result.files[path]:<15} {path}")
    if result.conflicts:
        typer.echo(
            f"\n{len(result.conflicts)} conflicting file(s): "
            f"{', '.join(result.conflicts)}. Edit the <<<<<<< ... >>>>>>> blocks, "
            "then `git add` each file.",
            err=True,
        )
    elif result.changed and not result.dry_run:
        typer.echo("\nReview with `git diff`, run `make check`, then commit.")


@app.command("list", epilog=LIST_EXAMPLES)
def list_options(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List the templates and every option, with its choices and default."""
    options = [option for option in catalogue.options() if not option.secret]
    if as_json:
        payload = {
            "frameworks": list(catalogue.frameworks()),
            "options": [
                {
                    "name": o.name,
                    "help": o.help,
                    "type": o.type,
                    "choices": list(o.choices),
                    "default": o.shown_default,
                }
                for o in options
            ],
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(f"Templates: {', '.join(catalogue.frameworks())}\n")
    for option in options:
        choices = " | ".join(option.choices) if option.choices else option.type
        typer.echo(f"  {option.name:<16} {choices:<28} default: {option.shown_default}")
        typer.echo(f"  {'':<16} {option.help}")


def main() -> None:
    app()
