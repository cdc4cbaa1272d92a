"""Generating a project: answers in, a whole project out, or nothing at all.

Copier renders into a staging directory beside the destination; the staging directory is
moved into place only once everything succeeded, so a failure or an interruption never leaves
a half-written project behind.
"""

import os
import secrets
import shlex
import shutil
import signal
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import _version, catalogue, copier_api, releases, store
from .answers import ANSWERS_FILE, as_text, check_answers
from .errors import UsageError


@dataclass(frozen=True)
class Project:
    """What `generate` wrote (or, for a dry run, would write), and where it was rendered from."""

    destination: Path
    answers: Mapping[str, Any]
    files: tuple[Path, ...]
    source: store.Source
    kept: tuple[Path, ...] = field(default=())  # the user's files left as they were (--force)
    recorded_source: str = releases.DEFAULT_SOURCE  # the answers file's _src_path

    def reproduce_commands(self) -> tuple[str, ...]:
        """The same project, non-interactively: as `apigen new` and, for a release, as
        `copier copy` of the same tag of the recorded source (the same answers file). A
        development build's templates are published nowhere, so copier cannot reproduce them."""
        data = [
            f"--data {shlex.quote(f'{key}={as_text(value)}')}"
            for key, value in self.answers.items()
        ]
        destination = shlex.quote(str(self.destination))
        commands = [" ".join(["apigen new", destination, "--defaults", *data])]
        ref = self.source.ref
        if ref is not None and _version.is_release(ref.removeprefix("v")):
            source = shlex.quote(self.recorded_source)
            copy = ["copier copy --vcs-ref", shlex.quote(ref), "--defaults", *data, source]
            commands.append(" ".join([*copy, destination]))
        return tuple(commands)


def check_destination(destination: Path, *, force: bool) -> None:
    if destination.exists() and not destination.is_dir():
        raise UsageError(f"{destination} exists and is not a directory")
    if not force and destination.is_dir() and any(destination.iterdir()):
        raise UsageError(
            f"{destination} exists and is not empty; choose a new directory "
            "(or --force to add the project's files beside yours)"
        )


def generate(
    destination: Path,
    data: Mapping[str, str],
    *,
    release: store.Release,
    template_store: Path,
    defaults: bool,
    force: bool = False,
    overwrite: bool = False,
    dry_run: bool = False,
    template_source: str | None = None,
) -> Project:
    """Render `release`'s template chosen by `data["framework"]` (or asked for) into
    `destination`, from `template_store` at the release's tag, so `apigen update` can follow.
    The answers file names the templates by `template_source` (default: APIGEN_TEMPLATE_SOURCE,
    else this repository's public URL) and the release's tag.

    `force` adds the project to a non-empty directory, keeping the user's files unless
    `overwrite`; `dry_run` renders into a scratch directory and reports what would be written.
    """
    options = catalogue.options()
    check_answers(data, options)
    destination = destination.resolve()
    check_destination(destination, force=force)
    # The options copier.yml marks secret are generated here, never shown or recorded.
    secret_data = {o.name: secrets.token_urlsafe(48) for o in options if o.secret} | dict(data)
    staging_parent = Path(tempfile.gettempdir()) if dry_run else destination.parent
    staging_parent.mkdir(parents=True, exist_ok=True)
    recorded = releases.template_source(template_source)
    with _staging_directory(staging_parent, destination.name) as staging:
        source = store.publish(release, template_store)
        combined = copier_api.copy(
            source.url,
            staging,
            data=secret_data,
            user_defaults={"project_name": destination.name},
            defaults=defaults,
            vcs_ref=source.ref,
        )
        if source.ref is not None:
            record_source(staging, recorded)
        files = _files(staging)
        kept: tuple[Path, ...] = ()
        if not dry_run:
            kept = _move_into_place(staging, files, destination, overwrite=overwrite)
    answers = {o.name: combined[o.name] for o in options if o.name in combined and not o.secret}
    written = tuple(path for path in files if path not in kept)
    return Project(destination, answers, written, source, kept, recorded)


def record_source(project: Path, url: str) -> None:
    """Name the templates in the answers file by `url` (this repository's public URL), not by
    the store on this machine they were rendered from, so the project means the same anywhere."""
    path = project / ANSWERS_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    line = f"_src_path: {yaml.safe_dump(url, default_style=None).splitlines()[0]}\n"
    path.write_text(
        "".join(line if text.startswith("_src_path:") else text for text in lines),
        encoding="utf-8",
    )


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
