"""Generating a project with copier: answers in, a whole project out, or nothing at all.

Copier renders into a staging directory beside the destination; the staging directory is
moved into place only once everything succeeded, so a failure or an interruption never leaves
a half-written project behind.
"""

import difflib
import os
import secrets
import shlex
import shutil
import signal
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import catalogue

TRUE_WORDS = {"true", "yes", "y", "on", "1"}
FALSE_WORDS = {"false", "no", "n", "off", "0"}


class GenerationError(Exception):
    """A failure to report in one line; nothing was written."""

    exit_code = 1


class UsageError(GenerationError):
    """The command was called with answers or a destination that cannot work."""

    exit_code = 2


@dataclass(frozen=True)
class Project:
    """What `generate` wrote (or, for a dry run, would write)."""

    destination: Path
    answers: Mapping[str, Any]
    files: tuple[Path, ...]
    kept: tuple[Path, ...] = field(default=())  # the user's files left as they were (--force)

    def reproduce_commands(self) -> tuple[str, str]:
        """The same project, non-interactively: as `apigen new` and as `copier copy`."""
        data = [
            f"--data {shlex.quote(f'{key}={_answer_text(value)}')}"
            for key, value in self.answers.items()
        ]
        destination = shlex.quote(str(self.destination))
        source = shlex.quote(str(catalogue.source_root()))
        return (
            " ".join(["apigen new", destination, "--defaults", *data]),
            " ".join(["copier copy --defaults", *data, source, destination]),
        )


def _answer_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def parse_data(pairs: Iterable[str]) -> dict[str, str]:
    """Turn repeated `--data key=value` into answers."""
    data: dict[str, str] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key.strip():
            raise UsageError(f"--data expects key=value, got {pair!r}")
        data[key.strip()] = value
    return data


def check_answers(data: Mapping[str, str]) -> None:
    """Refuse unknown keys and values outside the choices before anything is rendered."""
    known = {option.name: option for option in catalogue.options()}
    for key, value in data.items():
        option = known.get(key)
        if option is None:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"
            raise UsageError(f"unknown option {key!r}{hint}")
        if "\x00" in value:
            raise UsageError(f"{key} must not contain a null byte")
        if option.choices and value not in option.choices:
            raise UsageError(f"{key} must be one of: {', '.join(option.choices)} (got {value!r})")
        if option.type == "bool" and value.lower() not in TRUE_WORDS | FALSE_WORDS:
            raise UsageError(f"{key} must be true or false (got {value!r})")


def check_destination(destination: Path, *, force: bool) -> None:
    if destination.exists() and not destination.is_dir():
        raise UsageError(f"{destination} exists and is not a directory")
    if not force and destination.is_dir() and any(destination.iterdir()):
        raise UsageError(
            f"{destination} exists and is not empty; choose a new directory "
            "(or --force to add the project's files beside yours)"
        )


def missing_answers(data: Mapping[str, str]) -> list[str]:
    return [
        option.name
        for option in catalogue.options()
        if option.name not in data and not option.secret
    ]


def generate(
    destination: Path,
    data: Mapping[str, str],
    *,
    defaults: bool,
    force: bool = False,
    overwrite: bool = False,
    dry_run: bool = False,
) -> Project:
    """Render the template chosen by `data["framework"]` (or asked for) into `destination`.

    `force` adds the project to a non-empty directory, keeping the user's files unless
    `overwrite`; `dry_run` renders into a scratch directory and reports what would be written.
    """
    check_answers(data)
    destination = destination.resolve()
    check_destination(destination, force=force)
    # The options copier.yml marks secret are generated here, never shown or recorded.
    generated = {o.name: secrets.token_urlsafe(48) for o in catalogue.options() if o.secret}
    secret_data = generated | dict(data)
    staging_parent = Path(tempfile.gettempdir()) if dry_run else destination.parent
    staging_parent.mkdir(parents=True, exist_ok=True)
    with _staging_directory(staging_parent, destination.name) as staging:
        answers = _render(staging, secret_data, defaults=defaults, project_name=destination.name)
        files = _files(staging)
        kept: tuple[Path, ...] = ()
        if not dry_run:
            kept = _move_into_place(staging, files, destination, overwrite=overwrite)
    written = tuple(path for path in files if path not in kept)
    return Project(destination=destination, answers=answers, files=written, kept=kept)


@contextmanager
def _staging_directory(parent: Path, name: str) -> Iterator[Path]:
    """A scratch directory removed however the block ends, even by Ctrl-C or SIGTERM.

    Signals are held back until the directory exists and its cleanup is armed, so an
    interruption can never fall between creating it and being able to remove it.
    """
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    path = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=parent))
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        path.chmod(_directory_mode())  # mkdtemp makes it private; the project should not be
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _files(directory: Path) -> tuple[Path, ...]:
    return tuple(sorted(p.relative_to(directory) for p in directory.rglob("*") if p.is_file()))


def _move_into_place(
    staging: Path, files: tuple[Path, ...], destination: Path, *, overwrite: bool
) -> tuple[Path, ...]:
    """Move the rendered project to `destination`; return the existing files it left alone."""
    if not destination.exists() or not any(destination.iterdir()):
        if destination.exists():
            destination.rmdir()
        staging.rename(destination)
        return ()
    kept = []
    for relative in files:
        target = destination / relative
        if target.exists() and not overwrite:
            kept.append(relative)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / relative, target)
    return tuple(kept)


def _directory_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def _render(
    staging: Path, data: Mapping[str, str], *, defaults: bool, project_name: str
) -> dict[str, Any]:
    # Imported here: copier is slow to import, and `apigen --help` must not pay for it.
    from copier import run_copy

    from .update import template_source

    source, version_tag = template_source()  # apigen's template store, so updates can follow
    with copier_errors():
        worker = run_copy(
            source,
            staging,
            data=dict(data),
            user_defaults={"project_name": project_name},
            defaults=defaults,
            vcs_ref=version_tag,
            quiet=True,
            unsafe=False,
        )
    combined = worker.answers.combined
    return {
        option.name: combined[option.name]
        for option in catalogue.options()
        if option.name in combined and not option.secret
    }


@contextmanager
def copier_errors() -> Iterator[None]:
    """Copier's failures as one-line errors: a refused answer is a usage error (copier raises
    ValueError for it), anything else a failure. A dirty development checkout is no news."""
    from copier.errors import CopierError, DirtyLocalWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DirtyLocalWarning)
        try:
            yield
        except ValueError as error:
            raise UsageError(first_line(error)) from error
        except CopierError as error:
            raise GenerationError(first_line(error)) from error


def first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
