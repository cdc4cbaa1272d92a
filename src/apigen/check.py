"""`apigen check`: is a generated project on the newest release of apigen's templates, and has an
update left conflicts in it?

It reads only the project and the list of releases this apigen knows (from its wheel, or its
checkout's history): no template store, no network, so it answers the same on a CI runner with
an empty home as on the developer's machine.
"""

import os
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

from . import _version, git, releases
from .errors import UpdateError
from .update import read_answers_file


class CheckStatus(IntEnum):
    """The outcome, as the exit code `apigen check` ends with."""

    UP_TO_DATE = 0
    UPDATE_AVAILABLE = 1  # a newer release exists (or the project predates releases)
    NOT_APIGEN = 2  # no answers file, or templates that are not apigen's
    CONFLICTS = 3  # conflict markers or .rej files an update left behind


CONFLICT_STARTS = (b"<<<<<<< ", b"<<<<<<<\n", b">>>>>>> ")
SKIPPED = frozenset({".git", ".venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache"})


@dataclass(frozen=True)
class CheckResult:
    project: Path
    status: CheckStatus
    template_version: str | None
    latest_release: str | None
    conflicts: tuple[str, ...]
    message: str

    def as_json(self) -> dict[str, Any]:
        return {
            "project": str(self.project),
            "status": self.status.name.lower().replace("_", "-"),
            "exit_code": int(self.status),
            "update_available": self.status == CheckStatus.UPDATE_AVAILABLE,
            "template_version": self.template_version,
            "latest_release": self.latest_release,
            "conflicts": list(self.conflicts),
            "apigen": _version.version(),
            "message": self.message,
        }


def check_project(
    project: Path,
    known: tuple[releases.ReleaseRecord, ...],
    template_source: str | None = None,
) -> CheckResult:
    """Compare `project`'s template version with the newest of the `known` releases, after
    looking for conflicts left by an update (those come first: the project does not build)."""
    project = project.resolve()
    try:
        answers = read_answers_file(project)
    except UpdateError as error:
        return CheckResult(project, CheckStatus.NOT_APIGEN, None, None, (), str(error))
    source = str(answers.get("_src_path") or "")
    commit = str(answers.get("_commit") or "") or None
    latest = max((r.version for r in known), key=releases.version_key, default=None)
    latest_tag = None if latest is None else f"v{latest}"
    conflicts = find_conflicts(project)
    if conflicts:
        message = (
            f"{len(conflicts)} file(s) hold conflicts an update left: {', '.join(conflicts)}; "
            "edit the <<<<<<< ... >>>>>>> blocks (and apply each .rej by hand, then delete it), "
            "then `git add -A` and commit"
        )
        return CheckResult(project, CheckStatus.CONFLICTS, commit, latest_tag, conflicts, message)
    if not releases.is_our_source(source, template_source):
        if source and commit and not _is_remote(source):
            message = (
                f"made by apigen before its releases ({commit}, from {source}); re-baseline it "
                "on the newest release as docs/updating.md says"
            )
            return CheckResult(
                project, CheckStatus.UPDATE_AVAILABLE, commit, latest_tag, (), message
            )
        message = (
            f"not made from apigen's templates (_src_path: {source or 'none'}); "
            "`copier check-update` answers for other templates"
        )
        return CheckResult(project, CheckStatus.NOT_APIGEN, commit, latest_tag, (), message)
    commit = commit or "v0.0.0"  # an answers file of apigen's that lost its _commit
    kind = "" if _version.is_release(commit.removeprefix("v")) else " (a development build)"
    if latest is not None and releases.version_key(latest) > releases.version_key(commit):
        message = (
            f"apigen {latest} is out; this project is on {commit}{kind}: run `apigen update` "
            f"with apigen-cli {latest} or newer"
        )
        return CheckResult(project, CheckStatus.UPDATE_AVAILABLE, commit, latest_tag, (), message)
    newest = latest_tag or "none known to this apigen"
    message = f"up to date: {commit}{kind}; newest release: {newest}"
    return CheckResult(project, CheckStatus.UP_TO_DATE, commit, latest_tag, (), message)


def find_conflicts(project: Path) -> tuple[str, ...]:
    """Files with conflict markers at the start of a line, and .rej files, relative to
    `project`: the files git lists (tracked and untracked, not ignored), or every file."""
    return tuple(
        name for name in _listed(project) if name.endswith(".rej") or _has_markers(project / name)
    )


def _listed(project: Path) -> list[str]:
    if git.available() and git.succeeds(project, "rev-parse", "--is-inside-work-tree"):
        listing = git.run(
            project, "ls-files", "-z", "--cached", "--others", "--exclude-standard", strip=False
        )
        return sorted({name for name in listing.split("\0") if name})
    names: list[str] = []
    for directory, dirnames, filenames in os.walk(project):
        dirnames[:] = [name for name in dirnames if name not in SKIPPED]
        here = Path(directory)
        names.extend((here / name).relative_to(project).as_posix() for name in filenames)
    return sorted(names)


def _has_markers(path: Path) -> bool:
    if not path.is_file() or path.is_symlink():
        return False
    try:
        with path.open("rb") as file:
            return any(line.startswith(CONFLICT_STARTS) for line in file)
    except OSError:
        return False


def _is_remote(source: str) -> bool:
    return "://" in source or source.startswith(("git@", "git+", "gh:", "gl:"))
