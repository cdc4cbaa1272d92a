"""Generating a project with copier: answers in, a whole project out, or nothing at all.

Copier renders into a staging directory beside the destination; the staging directory is
moved into place only once everything succeeded, so a failure or an interruption never leaves
a half-written project behind.
"""

import difflib
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
    """What `generate` wrote."""

    destination: Path
    answers: Mapping[str, Any]
    files: tuple[Path, ...]


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


def check_destination(destination: Path) -> None:
    if destination.exists() and not destination.is_dir():
        raise UsageError(f"{destination} exists and is not a directory")
    if destination.is_dir() and any(destination.iterdir()):
        raise UsageError(f"{destination} exists and is not empty; choose a new directory")


def missing_answers(data: Mapping[str, str]) -> list[str]:
    return [option.name for option in catalogue.options() if option.name not in data]


def generate(destination: Path, data: Mapping[str, str], *, defaults: bool) -> Project:
    """Render the template chosen by `data["framework"]` (or asked for) into `destination`."""
    check_answers(data)
    destination = destination.resolve()
    check_destination(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    staging.chmod(_directory_mode())  # mkdtemp makes it private; the project should not be
    try:
        answers = _render(staging, data, defaults=defaults, project_name=destination.name)
        if destination.is_dir():
            destination.rmdir()  # empty, checked above
        staging.rename(destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = tuple(sorted(p.relative_to(destination) for p in destination.rglob("*") if p.is_file()))
    return Project(destination=destination, answers=answers, files=files)


def _directory_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def _render(
    staging: Path, data: Mapping[str, str], *, defaults: bool, project_name: str
) -> dict[str, Any]:
    # Imported here: copier is slow to import, and `apigen --help` must not pay for it.
    from copier import run_copy
    from copier.errors import CopierError, DirtyLocalWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DirtyLocalWarning)
        try:
            worker = run_copy(
                str(catalogue.source_root()),
                staging,
                data=dict(data),
                user_defaults={"project_name": project_name},
                defaults=defaults,
                vcs_ref="HEAD",
                quiet=True,
                unsafe=False,
            )
        except ValueError as error:  # copier's word for an answer that fails validation
            raise UsageError(_first_line(error)) from error
        except CopierError as error:
            raise GenerationError(_first_line(error)) from error
    names = {option.name for option in catalogue.options()}
    return {key: value for key, value in worker.answers.combined.items() if key in names}


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
