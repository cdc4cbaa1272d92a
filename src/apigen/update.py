"""Updating a generated project to a newer version of apigen's templates.

Copier's update merges three ways: the project as it is, the templates at the version the project
was generated from, and the templates at the new version. It needs both versions as commits of one
git repository, named in the project's `.copier-answers.yml` (`_src_path`, `_commit`). A wheel
carries only its own templates, so apigen keeps that repository itself, on this machine: the
template store. Every apigen that runs commits its templates there, tagged `v<version>`;
`apigen new` renders from the store at that tag, and `apigen update` merges from the project's tag
to the installed one, offline. A plain `copier update` reads the same repository.

This module must stay cheap to import (copier is imported only when an update runs).
"""

import fcntl
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from . import __version__, catalogue
from .generation import GenerationError, UsageError, check_answers, copier_errors

STORE_ENV = "APIGEN_HOME"  # $APIGEN_HOME/templates replaces the default store (tests, CI)
ANSWERS_FILE = ".copier-answers.yml"
SNAPSHOT = ("copier.yml", "templates")  # what a wheel bundles, relative to the source root
CONFLICT_MARKER = b"<<<<<<< before updating"  # how copier's inline conflicts start
UNMERGED = frozenset({"DD", "AU", "UD", "UA", "DU", "AA", "UU"})  # git status codes
# Variables that would point git at another repository than the one each call names.
_GIT_LOCATION = frozenset(
    {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR"}
    | {"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE"}
)
_STORE_IDENTITY = {
    "GIT_AUTHOR_NAME": "apigen",
    "GIT_AUTHOR_EMAIL": "apigen@localhost",
    "GIT_COMMITTER_NAME": "apigen",
    "GIT_COMMITTER_EMAIL": "apigen@localhost",
}


class UpdateError(GenerationError):
    """`apigen update` refused or failed: one line for the user, and an exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class FileStatus(StrEnum):
    """What an update does to one file of the project."""

    NEW = "new"
    UNCHANGED = "unchanged"
    MERGED = "merged cleanly"
    CONFLICT = "conflicting"
    DELETED = "deleted"


@dataclass(frozen=True)
class UpdateResult:
    """What `update_project` did (or, for a dry run, would do) to each file of the project."""

    project: Path
    from_version: str
    to_version: str
    files: Mapping[str, FileStatus]
    dry_run: bool = False

    def paths(self, *statuses: FileStatus) -> tuple[str, ...]:
        return tuple(path for path, status in sorted(self.files.items()) if status in statuses)

    @property
    def conflicts(self) -> tuple[str, ...]:
        return self.paths(FileStatus.CONFLICT)

    @property
    def changed(self) -> tuple[str, ...]:
        statuses = set(FileStatus) - {FileStatus.UNCHANGED}
        return self.paths(*statuses)

    @property
    def exit_code(self) -> int:
        """Non-zero when a conflict waits for the user, as after `git merge`."""
        return 1 if self.conflicts else 0


@dataclass(frozen=True)
class Release:
    """One apigen's templates: the directory holding copier.yml and templates/, and its version."""

    source: Path
    version: str


def installed_release() -> Release:
    return Release(catalogue.source_root(), __version__)


# The template store


def store_path() -> Path:
    """$APIGEN_HOME/templates, else a checkout's own .cache, else the user's data directory.

    A development checkout keeps its snapshots to itself, so templates in progress never pose as
    a release in the store that an installed apigen uses.
    """
    home = os.environ.get(STORE_ENV)
    if home:
        return Path(home).expanduser().resolve() / "templates"
    if catalogue.source_root() == catalogue.CHECKOUT_SOURCE and _is_checkout(
        catalogue.CHECKOUT_SOURCE
    ):
        return catalogue.CHECKOUT_SOURCE / ".cache" / "apigen" / "templates"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser().resolve() / "apigen" / "templates"


def store_url(store: Path) -> str:
    """The store as the answers file names it: `~/...` when under the home directory, so a
    teammate who clones the project finds their own store there."""
    try:
        return f"~/{store.relative_to(Path.home().resolve()).as_posix()}"
    except ValueError:
        return store.as_posix()


def template_source() -> tuple[str, str | None]:
    """Where `apigen new` renders from: the store at the installed version, so that the project
    records a version `apigen update` can find again. Without git, the templates as they are."""
    if shutil.which("git") is None:
        return str(catalogue.source_root()), None
    store = store_path()
    return store_url(store), add_release(installed_release(), store)


def add_release(release: Release, store: Path) -> str:
    """Commit `release`'s templates to the store and tag them; return the tag. Idempotent.

    Templates that changed under the same version (a development checkout, a local build) get the
    next `v<version>+snapshot.<n>` tag, so a tag always names the same templates.
    """
    try:
        with _locked(store):
            _init_store(store)
            tree = _write_tree(store, release.source)
            series = _series(store, release.version)
            latest = series[-1][1] if series else None
            if latest and _git(store, "rev-parse", f"refs/tags/{latest}^{{tree}}") == tree:
                return latest
            tag = _snapshot_tag(release.version, series[-1][0] + 1 if series else 0)
            _commit(store, tree, tag)
            return tag
    except OSError as error:
        raise UpdateError(
            f"cannot write apigen's template store {store} ({error.strerror or error}); "
            f"set {STORE_ENV} to a writable directory"
        ) from error


def release_tags(store: Path) -> tuple[str, ...]:
    return tuple(_git(store, "tag", "--list").split())


def _is_checkout(source: Path) -> bool:
    return (source / ".git").exists()


def _is_store(path: Path) -> bool:
    return (path / ".git").is_dir() and _git(
        path, "config", "--local", "--get", "apigen.store", check=False
    ) in {"true", "1"}


@contextmanager
def _locked(store: Path) -> Iterator[None]:
    """One apigen at a time writes the store (two terminals, parallel CI jobs)."""
    store.parent.mkdir(parents=True, exist_ok=True)
    with (store.parent / f".{store.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _init_store(store: Path) -> None:
    """Create the store's repository beside it and move it into place, so it is never half made."""
    if _is_store(store):
        return
    if store.exists() and (not store.is_dir() or any(store.iterdir())):
        raise UpdateError(
            f"{store} exists and is not apigen's template store; move it away, "
            f"or set {STORE_ENV} to another directory"
        )
    scratch = Path(tempfile.mkdtemp(prefix=f".{store.name}.", dir=store.parent))
    try:
        _git(scratch, "init", "--quiet")
        _git(scratch, "symbolic-ref", "HEAD", "refs/heads/main")
        _git(scratch, "config", "apigen.store", "true")
        (scratch / ".git" / "description").write_text(
            "apigen's templates, one tagged commit per apigen version that ran on this machine; "
            "generated projects name it in .copier-answers.yml. Written by apigen only.\n",
            encoding="utf-8",
        )
        scratch.replace(store)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _write_tree(store: Path, source: Path) -> str:
    """Store the templates in `source` as a git tree (no working tree involved); return its id."""
    files = _snapshot_files(source)
    regular = [name for name in files if not (source / name).is_symlink()]
    paths = "".join(f"{source / name}\n" for name in regular)
    blobs = _git(store, "hash-object", "-w", "--no-filters", "--stdin-paths", stdin=paths).split()
    entries = [
        f"{_mode(source / name)} {blob}\t{name}" for name, blob in zip(regular, blobs, strict=True)
    ]
    for name in files:
        if (source / name).is_symlink():
            target = os.readlink(source / name)
            blob = _git(store, "hash-object", "-w", "--stdin", stdin=target)
            entries.append(f"120000 {blob}\t{name}")
    with tempfile.TemporaryDirectory(prefix="apigen-index-") as scratch:
        index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        info = "".join(f"{entry}\0" for entry in entries)
        _git(store, "update-index", "-z", "--add", "--index-info", stdin=info, env=index)
        return _git(store, "write-tree", env=index)


def _snapshot_files(source: Path) -> list[str]:
    """What a wheel would bundle: in a checkout, the files git tracks or would track."""
    if _is_checkout(source):
        listed = _git(
            source,
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
            *SNAPSHOT,
            strip=False,
        ).split("\0")
        return sorted({name for name in listed if name and os.path.lexists(source / name)})
    return sorted(_walk(source))


def _walk(source: Path) -> Iterator[str]:
    yield SNAPSHOT[0]
    for directory, dirnames, filenames in os.walk(source / SNAPSHOT[1]):
        here = Path(directory)
        links = [name for name in dirnames if (here / name).is_symlink()]
        dirnames[:] = [name for name in dirnames if name not in links and name != "__pycache__"]
        for name in (*filenames, *links):
            if not name.endswith((".pyc", ".pyo")):
                yield (here / name).relative_to(source).as_posix()


def _mode(path: Path) -> str:
    return "100755" if path.stat().st_mode & 0o100 else "100644"


def _series(store: Path, version: str) -> list[tuple[int, str]]:
    """The tags of one version, oldest first: `v<version>`, then its numbered snapshots."""
    pattern = re.compile(re.escape(f"v{version}") + r"(?:[+.]snapshot\.(\d+))?")
    found = [
        (int(match.group(1) or 0), tag)
        for tag in release_tags(store)
        if (match := pattern.fullmatch(tag))
    ]
    return sorted(found)


def _snapshot_tag(version: str, number: int) -> str:
    if number == 0:
        return f"v{version}"
    return f"v{version}{'.' if '+' in version else '+'}snapshot.{number}"


def _commit(store: Path, tree: str, tag: str) -> None:
    """One commit per tag, even for identical templates: `git describe` then names one version."""
    parent = _git(store, "rev-parse", "--verify", "--quiet", "refs/heads/main", check=False)
    parents = ("-p", parent) if parent else ()
    message = f"apigen {tag.removeprefix('v')} templates"
    commit = _git(
        store, "commit-tree", "--no-gpg-sign", *parents, "-m", message, tree, env=_STORE_IDENTITY
    )
    _git(store, "update-ref", "refs/heads/main", commit)
    _git(store, "update-ref", f"refs/tags/{tag}", commit, "")  # "": the tag must be new
    _git(store, "reset", "--hard", "--quiet")  # the working tree shows the newest templates


# Updating a project


def update_project(
    project: Path,
    *,
    data: Mapping[str, str] | None = None,
    to_version: str | None = None,
    dry_run: bool = False,
) -> UpdateResult:
    """Merge the template changes between the project's version and `to_version` (default: the
    installed apigen's) into `project`, keeping the user's edits and marking real conflicts.

    `data` changes answers. A dry run updates a throwaway clone and reports what the update would
    do; nothing in the project is written. Raises UpdateError (or UsageError) before writing
    anything when the project cannot be updated safely.
    """
    project = project.resolve()
    answers = _answers(project)
    data = dict(data or {})
    _check_data(data, answers)
    _check_work_tree(project)
    ref = _target_ref(answers, to_version)
    if not dry_run:
        _run_update(project, data, ref)
        return _result(project, project, answers, dry_run=False)
    with _scratch_copy(project) as scratch:
        _run_update(scratch, data, ref)
        return _result(project, scratch, answers, dry_run=True)


def _answers(project: Path) -> dict[str, Any]:
    if not project.is_dir():
        raise UpdateError(f"{project} is not a directory", exit_code=2)
    path = project / ANSWERS_FILE
    if not path.is_file():
        raise UpdateError(
            f"{project} has no {ANSWERS_FILE}: it was not generated by apigen or copier, "
            "so there is no template version to update from",
            exit_code=2,
        )
    try:
        answers = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UpdateError(f"cannot read {path}: {error}") from error
    if not isinstance(answers, dict) or not answers.get("_src_path") or not answers.get("_commit"):
        raise UpdateError(
            f"{path} records no template version (_src_path and _commit), so copier cannot "
            "tell what changed. If you know which apigen made it, add "
            f"`_src_path: {store_url(store_path())}` and `_commit: v<that version>`, commit, "
            "and run apigen update again"
        )
    return answers


def _check_data(data: Mapping[str, str], answers: Mapping[str, Any]) -> None:
    framework = data.get("framework")
    if framework is not None and framework != answers.get("framework"):
        raise UsageError(
            f"an update cannot change the framework (this project uses {answers.get('framework')});"
            " generate a new project with `apigen new` instead"
        )
    check_answers(data)


def _check_work_tree(project: Path) -> None:
    """Refuse before writing anything: the update rewrites files, and only git can tell the
    user's changes from the template's, or bring back what was replaced."""
    if shutil.which("git") is None:
        raise UpdateError("git is not installed; apigen update merges with git")
    if _git(project, "rev-parse", "--is-inside-work-tree", check=False) != "true":
        raise UpdateError(
            f"{project} is not in a git repository, and the update merges with git; first run "
            "`git init && git add --all && git commit -m 'Project from apigen'`"
        )
    if not _git(project, "rev-parse", "--verify", "--quiet", "HEAD", check=False):
        raise UpdateError(f"{project} has no commit yet; commit the project, then update it")
    dirty = [path for _, path in _status(project)]
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise UpdateError(
            f"{project} has uncommitted changes ({shown}); commit them, or stash them with "
            "`git stash --include-untracked`, then run apigen update again. Nothing was changed."
        )


def _target_ref(answers: Mapping[str, Any], to_version: str | None) -> str | None:
    """The tag to update to. For apigen's store, the installed version is added first; any other
    template repository (`copier copy <git URL or path>`) is left to copier: its newest tag."""
    recorded = str(answers["_src_path"])
    target = None if to_version is None else _tag(to_version)
    if _is_remote(recorded):
        return target
    store = Path(recorded).expanduser()
    if not _is_store(store) and store.resolve() != store_path():
        if not store.exists():
            raise UpdateError(f"the templates this project was made from, {recorded}, are missing")
        return target
    installed = add_release(installed_release(), store)
    _require_tag(store, target or installed, "the version to update to", exit_code=2)
    _require_tag(store, str(answers["_commit"]), "this project's template version", exit_code=1)
    return target or installed


def _require_tag(store: Path, tag: str, what: str, *, exit_code: int) -> None:
    if _git(store, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}", check=False):
        return
    version = tag.removeprefix("v")
    raise UpdateError(
        f"{what}, {tag}, is not in the template store {store} (it has "
        f"{', '.join(release_tags(store)) or 'none'}); each apigen adds its own version when it "
        f"runs, so run that version once, e.g. `uvx --from 'apigen=={version}' apigen update "
        "--dry-run`, then retry",
        exit_code=exit_code,
    )


def _tag(version: str) -> str:
    if not re.fullmatch(r"v?[0-9][0-9A-Za-z.+!_-]*", version):
        raise UsageError(f"--to-version expects a version such as 0.2.0, got {version!r}")
    return version if version.startswith("v") else f"v{version}"


def _is_remote(source: str) -> bool:
    return "://" in source or source.startswith(("git@", "git+", "gh:", "gl:"))


def _run_update(project: Path, data: Mapping[str, str], ref: str | None) -> None:
    # Imported here: copier is slow to import, and `apigen --help` must not pay for it.
    from copier import run_update

    with copier_errors():
        run_update(
            project,
            data=dict(data),
            vcs_ref=ref,
            defaults=True,  # every question keeps its recorded answer unless `data` changes it
            overwrite=True,  # git holds the previous state; the tree was clean
            conflict="inline",
            quiet=True,
            unsafe=False,
        )


def _result(project: Path, tree: Path, before: Mapping[str, Any], *, dry_run: bool) -> UpdateResult:
    return UpdateResult(
        project=project,
        from_version=str(before["_commit"]),
        to_version=str(_answers(tree)["_commit"]),
        files=_classify(tree),
        dry_run=dry_run,
    )


def _classify(project: Path) -> dict[str, FileStatus]:
    """Each file of the project after an update, from git's view of what the update changed."""
    files = dict(_file_status(project, code, path) for code, path in _status(project))
    for path in _git(project, "ls-files", "-z", "--", ".", strip=False).split("\0"):
        if path:
            files.setdefault(path, FileStatus.UNCHANGED)
    return files


def _file_status(project: Path, code: str, path: str) -> tuple[str, FileStatus]:
    if path.endswith(".rej"):
        return path.removesuffix(".rej"), FileStatus.CONFLICT
    if code in UNMERGED or _has_conflict_markers(project / path):
        return path, FileStatus.CONFLICT
    if code == "??" or code.startswith("A"):
        return path, FileStatus.NEW
    if "D" in code:
        return path, FileStatus.DELETED
    return path, FileStatus.MERGED


def _has_conflict_markers(path: Path) -> bool:
    if not path.is_file() or path.is_symlink():
        return False
    with path.open("rb") as file:
        return any(line.startswith(CONFLICT_MARKER) for line in file)


def _status(project: Path) -> list[tuple[str, str]]:
    """`git status` of the project's directory: (code, path relative to the project)."""
    prefix = _git(project, "rev-parse", "--show-prefix")
    fields = iter(
        _git(
            project,
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--",
            ".",
            strip=False,
        ).split("\0")
    )
    entries = []
    for field in fields:
        if not field:
            continue
        if {"R", "C"} & set(field[:2]):
            next(fields, None)  # a rename's or copy's source path
        entries.append((field[:2], field[3:].removeprefix(prefix)))
    return entries


@contextmanager
def _scratch_copy(project: Path) -> Iterator[Path]:
    """A throwaway clone of the project's repository at HEAD, with the ignored files the update
    may read (such as .env), for a dry run."""
    top = Path(_git(project, "rev-parse", "--show-toplevel")).resolve()
    head = _git(project, "rev-parse", "HEAD")
    subdirectory = project.relative_to(top)
    with tempfile.TemporaryDirectory(prefix="apigen-update-") as scratch:
        clone = Path(scratch) / top.name
        _git(Path(scratch), "clone", "--quiet", "--no-checkout", "--", str(top), str(clone))
        _git(clone, "checkout", "--quiet", "--detach", head)
        listing = _git(
            top,
            "status",
            "--porcelain=v1",
            "-z",
            "--ignored",
            "--",
            subdirectory.as_posix(),
            strip=False,
        )
        for field in listing.split("\0"):
            if field.startswith("!! ") and not field.endswith("/"):
                target = clone / field[3:]
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(top / field[3:], target, follow_symlinks=False)
        yield clone / subdirectory


def _git(
    cwd: Path,
    *arguments: str,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    strip: bool = True,
) -> str:
    """Run git in `cwd` and return its output; a failure is an UpdateError naming the command."""
    environment = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION} | dict(env or {})
    result = subprocess.run(  # noqa: S603 - git with arguments built here, no shell
        ["git", *arguments],  # noqa: S607 - git from PATH
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        errors="surrogateescape",
        env=environment,
        check=False,
    )
    if check and result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["failed"])[0]
        raise UpdateError(f"git {arguments[0]} in {cwd}: {detail}")
    return result.stdout.strip() if strip else result.stdout
