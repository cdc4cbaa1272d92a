"""Updating a generated project to a newer version of apigen's templates.

Copier's update merges three ways: the project as it is, the templates at the version the project
was generated from, and the templates at the new version, both commits of the template store
(store.py) or of the template repository the project was copied from.
"""

import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from . import DISTRIBUTION, _version, catalogue, copier_api, git, releases, store
from .answers import ANSWERS_FILE, check_answers
from .answers import read_answers_file as read_project_answers
from .errors import UpdateError, UsageError
from .generation import record_source

CONFLICT_MARKER = b"<<<<<<< before updating"  # how copier's inline conflicts start
REBASELINE = (
    "generate a fresh project with the same answers (`apigen new`), copy its "
    ".copier-answers.yml in and bring over what you want of its other files (see "
    'docs/updating.md, "Projects made before releases")'
)
UNMERGED = frozenset({"DD", "AU", "UD", "UA", "DU", "AA", "UU"})  # git status codes


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


def update_project(
    project: Path,
    *,
    release: store.Release,
    template_store: Path,
    data: Mapping[str, str] | None = None,
    to_version: str | None = None,
    dry_run: bool = False,
    template_source: str | None = None,
) -> UpdateResult:
    """Merge the template changes between the project's version and `to_version` (default:
    `release`, the installed apigen's) into `project`, keeping the user's edits and marking real
    conflicts. `template_store` is where this apigen keeps its templates.

    `data` changes answers. A dry run updates a throwaway clone and reports what the update would
    do; nothing in the project is written. Raises UpdateError (or UsageError) before writing
    anything when the project cannot be updated safely.
    """
    project = project.resolve()
    answers = read_answers_file(project)
    _require_version(answers, project)
    data = dict(data or {})
    _check_data(data, answers)
    git.require_committed(project, "run apigen update again", UpdateError)
    target = None if to_version is None else _tag(to_version)
    recorded = str(answers["_src_path"])
    redirect: tuple[str, Path] | None = None
    rerecord = False
    if releases.is_our_source(recorded, template_source):
        template_store.parent.mkdir(parents=True, exist_ok=True)
        store.import_releases(template_store)
        installed = store.tag_for(release, template_store)
        target = target or installed
        _require_tag(template_store, target, "the version to update to", exit_code=2)
        _require_known(template_store, str(answers["_commit"]), release)
        redirect = (recorded, template_store)
    else:
        recorded_store = _recorded_store(answers, template_store, project)
        if recorded_store is not None:  # made before releases, on this machine
            store.import_releases(recorded_store)
            installed = store.tag_for(release, recorded_store)
            target = target or installed
            _require_tag(recorded_store, target, "the version to update to", exit_code=2)
            if not store.has_tag(recorded_store, str(answers["_commit"])):
                raise UpdateError(
                    f"this project was made by apigen before its releases, from templates "
                    f"{answers['_commit']} that the store {recorded_store} no longer holds; "
                    f"nothing is guessed: re-baseline it on a release, {REBASELINE}"
                )
            rerecord = True
    if not dry_run:
        _update(project, data, target, redirect, rerecord=rerecord, source=template_source)
        return _result(project, project, answers, dry_run=False)
    with _scratch_copy(project) as scratch:
        _update(scratch, data, target, redirect, rerecord=rerecord, source=template_source)
        return _result(project, scratch, answers, dry_run=True)


def _update(
    project: Path,
    data: Mapping[str, str],
    target: str | None,
    redirect: tuple[str, Path] | None,
    *,
    rerecord: bool,
    source: str | None,
) -> None:
    """Copier's update; a project made from a store before releases then names the templates
    by their public source, as every project made since does."""
    copier_api.update(project, data=data, vcs_ref=target, redirect=redirect)
    if rerecord:
        record_source(project, releases.template_source(source))


def read_answers_file(project: Path) -> dict[str, Any]:
    """The project's recorded answers, with copier's `_src_path` and `_commit`."""
    return read_project_answers(
        project,
        UpdateError,
        "it was not generated by apigen or copier, so there is no template version to update from",
    )


def _require_version(answers: Mapping[str, Any], project: Path) -> None:
    if answers.get("_src_path") and answers.get("_commit"):
        return
    raise UpdateError(
        f"{project / ANSWERS_FILE} records no template version (_src_path and _commit), so "
        "copier cannot tell what changed and an update would merge blindly; re-baseline the "
        f"project instead: {REBASELINE}"
    )


def _check_data(data: Mapping[str, str], answers: Mapping[str, Any]) -> None:
    framework = data.get("framework")
    if framework is not None and framework != answers.get("framework"):
        raise UsageError(
            f"an update cannot change the framework (this project uses {answers.get('framework')});"
            " generate a new project with `apigen new` instead"
        )
    check_answers(data, catalogue.options())


def _recorded_store(answers: Mapping[str, Any], template_store: Path, project: Path) -> Path | None:
    """The template store a project made before releases names, when it is on this machine;
    None for any other template repository (`copier copy <git URL or path>`), whose versions
    copier finds itself. A store that is not here is refused: its tags meant that machine's
    templates, so no other store can stand in for it without a silently wrong merge."""
    recorded = str(answers["_src_path"])
    if _is_remote(recorded):
        return None
    path = Path(recorded).expanduser()
    if store.is_store(path) or path.resolve() == template_store.resolve():
        return path
    if not path.exists():
        raise UpdateError(
            f"this project was made by apigen before its releases, from templates at {recorded} "
            f"({answers['_commit']}) on the machine that made it, which are not here; only that "
            "machine can update it as it is. Elsewhere, re-baseline it on a release (nothing is "
            f"guessed): {REBASELINE}"
        )
    return None


def _require_tag(template_store: Path, tag: str, what: str, *, exit_code: int = 1) -> None:
    if store.has_tag(template_store, tag):
        return
    tags = ", ".join(store.release_tags(template_store)) or "none"
    raise UpdateError(
        f"{what}, {tag}, is not in the template store {template_store} (it has {tags}); "
        f"upgrade apigen (`pip install --upgrade {DISTRIBUTION}`), whose wheel carries every "
        "release's templates, then retry",
        exit_code=exit_code,
    )


def _require_known(template_store: Path, tag: str, installed: store.Release) -> None:
    """The project's template version must be in the store: say honestly why it is not."""
    if store.has_tag(template_store, tag):
        return
    version = tag.removeprefix("v")
    if _version.is_release(version):
        if releases.version_key(version) > releases.version_key(installed.version):
            raise UpdateError(
                f"this project was made by apigen {version}, newer than this one "
                f"({installed.version}); upgrade: `pip install --upgrade {DISTRIBUTION}` "
                f"(or `uv tool upgrade {DISTRIBUTION}`)"
            )
        raise UpdateError(
            f"this project's template version, {tag}, is not a release this apigen "
            f"({installed.version}) knows; upgrade: `pip install --upgrade {DISTRIBUTION}`"
        )
    raise UpdateError(
        f"this project was made by a development build of apigen ({version}), whose templates "
        "were never released and are only in the template store of the machine that made it; "
        "update it there, or re-baseline it on a release (nothing is guessed): "
        f"{REBASELINE}"
    )


def _tag(version: str) -> str:
    if not re.fullmatch(r"v?[0-9][0-9A-Za-z.+!_-]*", version):
        raise UsageError(f"--to-version expects a version such as 0.2.0, got {version!r}")
    return version if version.startswith("v") else f"v{version}"


def _is_remote(source: str) -> bool:
    return "://" in source or source.startswith(("git@", "git+", "gh:", "gl:"))


def _result(project: Path, tree: Path, before: Mapping[str, Any], *, dry_run: bool) -> UpdateResult:
    return UpdateResult(
        project=project,
        from_version=str(before["_commit"]),
        to_version=str(read_answers_file(tree)["_commit"]),
        files=_classify(tree),
        dry_run=dry_run,
    )


def _classify(project: Path) -> dict[str, FileStatus]:
    """Each file of the project after an update, from git's view of what the update changed."""
    files = dict(_file_status(project, code, path) for code, path in git.status(project))
    for path in git.run(project, "ls-files", "-z", "--", ".", strip=False).split("\0"):
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


@contextmanager
def _scratch_copy(project: Path) -> Iterator[Path]:
    """A throwaway clone of the project's repository at HEAD, with the ignored files the update
    may read (such as .env), for a dry run."""
    top = Path(git.run(project, "rev-parse", "--show-toplevel")).resolve()
    head = git.run(project, "rev-parse", "HEAD")
    subdirectory = project.relative_to(top)
    with git.scratch_directory("apigen-update-") as scratch:
        clone = Path(scratch) / top.name
        git.run(Path(scratch), "clone", "--quiet", "--no-checkout", "--", str(top), str(clone))
        git.run(clone, "checkout", "--quiet", "--detach", head)
        listing = git.run(
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
