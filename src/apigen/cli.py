"""The `apigen` command line: thin typer commands over generation, update and the catalogue.

Importing it must stay cheap (`apigen --help`): only copier_api.py imports copier, lazily."""

import json
import shlex
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand

from . import __version__, _version, catalogue, contract, git, install, releases, store
from .answers import missing_answers, parse_data, summary
from .errors import ApigenError
from .generation import Project, generate
from .update import UpdateResult, update_project

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


class _Command(TyperCommand):
    """Usage lines as click writes them, `apigen new [OPTIONS] DEST`, rather than typer's
    `{DEST}`: an optional argument is bracketed, a required one is bare."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:  # typer's own vendored click Context
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = param.metavar or (param.name or "").upper()
                pieces.append(name if param.required else f"[{name}]")
        return pieces


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
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    except ApigenError as error:
        if debug:
            raise
        _fail(str(error), error.exit_code)
    except KeyboardInterrupt:
        _fail(interrupted, 130)


@app.command(cls=_Command, epilog=NEW_EXAMPLES)
def new(
    destination: Annotated[
        Path, typer.Argument(metavar="DEST", help="Directory to create: new or empty.")
    ],
    framework: Annotated[
        str | None,
        typer.Option(
            "--framework", "-f", help="fastapi, flask, drf or hybrid; asked if not given."
        ),
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
    git_init: Annotated[
        bool,
        typer.Option(
            "--git/--no-git",
            help="Give the project its own git repository with a first commit (even inside "
            "another repository).",
        ),
    ] = True,
    install_it: Annotated[
        bool,
        typer.Option(
            "--install", help="Then install the project (make install) and run its tests."
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Create a new API project in DEST."""
    with _one_line_errors(debug=debug, interrupted="interrupted; nothing was written"):
        answers = parse_data(data or [])
        if framework is not None:
            answers["framework"] = framework
        if overwrite and not force:
            _fail("--overwrite only goes with --force", 2)
        if not defaults and not sys.stdin.isatty():
            _refuse_missing(answers)
        promises = contract.load(catalogue.source_root())
        project = generate(
            destination,
            answers,
            release=store.installed_release(),
            template_store=store.default_store(),
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
    with _one_line_errors(debug=debug, interrupted=f"interrupted; the project is in {destination}"):
        if git_init:
            typer.echo(git.init_project(project.destination, author=project.answers))
        if install_it:
            _install(project.destination)
    steps = promises.next_lines(project.answers, installed=install_it)
    typer.echo("\nNext:")
    for line in [f"cd {shlex.quote(str(destination))}", *steps]:
        typer.echo(f"  {line}")


def _refuse_missing(answers: dict[str, str]) -> None:
    """Without a terminal nothing can be asked: name every answer still missing."""
    missing = missing_answers(answers, catalogue.options())
    if missing:
        _fail(
            f"no terminal to ask for {', '.join(missing)}: pass --defaults, "
            "or give them with --data KEY=VALUE",
            2,
        )


def _report(project: Project) -> None:
    typer.echo(f"Created {project.destination}:")
    for path in project.files:
        typer.echo(f"  {path}")
    for path in project.kept:
        typer.echo(f"  {path} (yours, kept)")
    typer.echo(f"\nAnswers: {summary(project.answers)}")
    commands = "".join(f"\n  {command}" for command in project.reproduce_commands())
    typer.echo(f"\nTo make the same project again:{commands}\n")


def _install(project: Path) -> None:
    """`--install`: each step with a live status line, then ok or the failure's output."""
    from rich.console import Console

    console = Console(stderr=True, highlight=False)
    with console.status("") as status:
        outcomes = install.run_steps(project, install.STEPS, status.update)
    for outcome in outcomes:
        if outcome.returncode != 0:
            console.print(f"[red]FAILED[/red] {outcome.step.title} ({outcome.seconds:.0f}s)")
            typer.echo(outcome.tail, err=True)
            _fail(f"{outcome.step.title} failed; the project is in {project}", 1)
        console.print(f"[green]ok[/green] {outcome.step.title} ({outcome.seconds:.0f}s)")
    console.print("[green]The project installs and its tests pass.[/green]")


UPDATE_EXAMPLES = """\
Examples:

\b
  apigen update                         # to the installed apigen's templates
  apigen update --dry-run               # each file: new, unchanged, merged cleanly, conflicting
  apigen update -d log_format=json      # change an answer after generation
  apigen update path/to/my-api --to-version 0.2.0

\b
Then: git add -A && git commit -m "Update from apigen"   (-A: the update may add files)
"""


@app.command(cls=_Command, epilog=UPDATE_EXAMPLES)
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
    interrupted = (
        "interrupted; nothing was written"
        if dry_run
        else "interrupted; the work tree was clean before, so `git reset --hard && git clean -fd` "
        "undoes what the update wrote"
    )
    with _one_line_errors(debug=debug, interrupted=interrupted):
        result = update_project(
            project,
            release=store.installed_release(),
            template_store=store.default_store(),
            data=parse_data(data or []),
            to_version=to_version,
            dry_run=dry_run,
        )
    _report_update(result)
    raise typer.Exit(result.exit_code)


def _report_update(result: UpdateResult) -> None:
    """The files the update changes (or would), with what happens to each, and how many it
    leaves as they were; a development build's templates are named as such."""
    versions = f"{_named(result.from_version)} -> {_named(result.to_version)}"
    unchanged = len(result.files) - len(result.changed)
    if not result.changed:
        verb = "would change nothing" if result.dry_run else "nothing changed"
        typer.echo(f"{result.project} is up to date ({_named(result.to_version)}); {verb}.")
        return
    if result.dry_run:
        typer.echo(f"Would update {result.project} ({versions}); nothing written:")
    else:
        typer.echo(f"Updated {result.project} ({versions}):")
    for path in result.changed:
        typer.echo(f"  {result.files[path]:<15} {path}")
    typer.echo(f"  ({unchanged} unchanged file(s))")
    if result.conflicts:
        typer.echo(
            f"\n{len(result.conflicts)} conflicting file(s): "
            f"{', '.join(result.conflicts)}. Edit the <<<<<<< ... >>>>>>> blocks, then "
            "`git add -A` and commit.",
            err=True,
        )
    elif not result.dry_run:
        typer.echo(
            "\nReview with `git diff`, run `make check`, then "
            f"`git add -A && git commit -m 'Update from apigen {_named(result.to_version)}'` "
            "(-A: the update may add files)."
        )


def _named(tag: str) -> str:
    version = tag.removeprefix("v")
    if _version.is_release(version):
        return tag
    return f"{tag}, a development build"


CHECK_EXAMPLES = """\
Examples:

\b
  apigen check                  # in a generated project
  apigen check path/to/my-api --json

\b
Exit codes: 0 up to date; 1 a newer release of the templates exists (apigen update brings
it in), or the project predates releases; 2 not a project made by apigen; 3 an update left
conflict markers or .rej files. Offline, with no template store.
"""


@app.command(cls=_Command, epilog=CHECK_EXAMPLES)
def check(
    project: Annotated[Path, typer.Argument(help="The generated project.")] = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Say whether a newer release of the project's templates exists, or conflicts are left."""
    from .check import CheckStatus, check_project

    result = check_project(project, releases.known())
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2))
    else:
        typer.echo(result.message, err=result.status != CheckStatus.UP_TO_DATE)
    raise typer.Exit(int(result.status))


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


COMPARE_EXAMPLES = """\
Examples:

\b
  apigen compare                                   # FastAPI, Flask and DRF, on SQLite
  apigen compare --frameworks fastapi,flask --seconds 10 --rounds 5
  apigen compare --database-url postgresql://postgres@127.0.0.1:5432/bench
  apigen compare -d auth=token --json > figures.json
  apigen compare --keep ./compared                 # keep the generated projects
"""


@app.command(name="compare", cls=_Command, epilog=COMPARE_EXAMPLES)
def compare_frameworks(
    frameworks: Annotated[
        str, typer.Option("--frameworks", help="Comma-separated: which templates to compare.")
    ] = "fastapi,flask,drf",
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", metavar="KEY=VALUE", help="An answer for every project."),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="A PostgreSQL server (postgresql://user:password@host:port/name); each "
            "framework gets a database of its own there. Default: SQLite files.",
        ),
    ] = None,
    seconds: Annotated[int, typer.Option(min=1, max=600, help="Length of each load.")] = 5,
    rounds: Annotated[int, typer.Option(min=1, max=20, help="Rounds in alternation.")] = 3,
    connections: Annotated[
        int, typer.Option(min=1, max=1024, help="Concurrent connections of the load.")
    ] = 32,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server workers each.")] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    keep: Annotated[
        Path | None,
        typer.Option("--keep", metavar="DIR", help="Generate the projects in DIR and keep them."),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Generate the same service in each framework, serve each under its production server,
    load them in alternation on this machine, and print requests/s, latency and memory."""
    from rich.console import Console

    from . import compare

    console = Console(stderr=True, highlight=False)
    with _one_line_errors(debug=debug, interrupted="interrupted; every server was stopped"):
        chosen = compare.check_frameworks(
            [name.strip() for name in frameworks.split(",") if name.strip()],
            catalogue.frameworks(),
        )
        answers = parse_data(data or [])
        if database_url:
            answers["database"] = "postgresql"
        settings = compare.Settings(
            frameworks=chosen,
            answers=answers,
            database_url=database_url,
            seconds=seconds,
            rounds=rounds,
            connections=connections,
            workers=workers,
        )

        def render(framework: str, destination: Path) -> None:
            generate(
                destination,
                answers | {"framework": framework},
                release=store.installed_release(),
                template_store=store.default_store(),
                defaults=True,
            )

        with compare.scratch_directory(keep) as scratch, console.status("") as status:
            tool = compare.choose_load_tool(scratch, sys.executable, status.update)
            report = compare.compare(
                settings, generate=render, load_tool=tool, progress=status.update, scratch=scratch
            )
    for name in report.leftover_databases:
        typer.echo(
            f"warning: could not drop the database {name}; drop it with: dropdb {name}", err=True
        )
    if as_json:
        typer.echo(report.as_json())
        return
    typer.echo(report.as_table())
    typer.echo(
        f"\nmeasured with {report.load_tool}: {connections} connections, {rounds} rounds of"
        f" {seconds} s per request, {workers} workers each, on this machine"
        + (" (PostgreSQL)" if database_url else " (SQLite)")
        + ". In production the database is usually the bottleneck."
    )
    if keep:
        typer.echo(f"The projects are in {keep}.")


ADD_RESOURCE_EXAMPLES = """\
Examples:

\b
  apigen add resource product name:str price:decimal stock:int in_stock:bool notes:text?
  apigen add resource note title:str body:text --owned       # each account sees only its own
  apigen add resource person name:str email:email --plural people
  apigen add resource product name:str --dry-run

\b
Types: str text int float decimal bool date datetime email; a trailing ? makes a field optional.
"""

add_app = typer.Typer(
    help="Add to a generated project: apigen add resource NAME FIELD:TYPE...",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(add_app, name="add")


@add_app.command("resource", cls=_Command, epilog=ADD_RESOURCE_EXAMPLES)
def add_resource(
    name: Annotated[str, typer.Argument(help="Singular snake_case name: product, order_line.")],
    fields: Annotated[
        list[str],
        typer.Argument(metavar="FIELD:TYPE...", help="Fields, e.g. price:decimal notes:text?"),
    ],
    owned: Annotated[
        bool,
        typer.Option(
            "--owned",
            help="Each record belongs to the account that created it; other ordinary accounts "
            "neither see nor change it (admins do). Default: every account reads, admins write.",
        ),
    ] = False,
    plural: Annotated[
        str | None, typer.Option("--plural", help="The plural, when adding s is wrong.")
    ] = None,
    project: Annotated[
        Path, typer.Option("--project", "-C", help="The generated project (committed).")
    ] = Path("."),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the files that would be written; write none.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Add a resource: model, schemas, endpoints, migration and tests, in the project's idiom."""
    from . import resource

    interrupted = "interrupted; the project is as it was (`git status` shows no new file)"
    with _one_line_errors(debug=debug, interrupted=interrupted):
        added = resource.add_resource(
            project,
            name,
            fields,
            release=store.installed_release(),
            template_store=store.default_store(),
            owned=owned,
            plural=plural,
            dry_run=dry_run,
        )
    what = f"{added.names.resource} (/{added.names.plural}, {added.framework})"
    typer.echo(f"{'Would add' if dry_run else 'Added'} {what}, new files only:")
    for path in added.files:
        typer.echo(f"  {path}")
    typer.echo("  (no existing file changes: the project discovers its resources)")
    if dry_run:
        return
    typer.echo("\nNext:")
    for line in ("make migrate", "make test", "git add --all && git commit"):
        typer.echo(f"  {line}")
    typer.echo(f"\nThe same with copier, inside the project:\n  {added.copier_command()}")


def main() -> None:
    app()
