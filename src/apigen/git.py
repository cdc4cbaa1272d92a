"""apigen's one way to run git, and the first commit of a new project.

Every call names its repository by `cwd` alone: variables such as GIT_DIR (set when apigen runs
inside a git hook, or by a developer's shell) would point git at another repository.
"""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ApigenError, GitError

_LOCATION = frozenset(
    {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR"}
    | {"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE"}
)

# How a user gives a project its first commit (update and add resource need one).
FIRST_COMMIT = "`git init && git add --all && git commit -m 'Project from apigen'`"

# Who commits to apigen's own repositories (the template stores, the release bundle).
APIGEN_IDENTITY = {
    "GIT_AUTHOR_NAME": "apigen",
    "GIT_AUTHOR_EMAIL": "apigen@localhost",
    "GIT_COMMITTER_NAME": "apigen",
    "GIT_COMMITTER_EMAIL": "apigen@localhost",
}


def available() -> bool:
    return shutil.which("git") is not None


def scratch_directory(prefix: str) -> "tempfile.TemporaryDirectory[str]":
    """A temporary directory for git's work. An interruption can come while a git it started
    still writes there (one still starting, or exiting after the kill): its cleanup then ignores
    what it cannot remove, so that the user sees the interruption, not "Directory not empty"."""
    return tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True)


def run(
    cwd: Path,
    *arguments: str,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    strip: bool = True,
) -> str:
    """Run git in `cwd` and return its output; with `check`, a failure is a GitError.

    Interrupted (Ctrl-C, SIGTERM), it waits for git to be gone before the interruption goes on:
    subprocess.run would not, and the cleanup of a scratch directory git was still writing to
    then failed with "Directory not empty" instead of reporting the interruption."""
    environment = {k: v for k, v in os.environ.items() if k not in _LOCATION} | dict(env or {})
    with subprocess.Popen(  # noqa: S603 - git with arguments built here, no shell
        ["git", *arguments],  # noqa: S607 - git from PATH
        cwd=cwd,
        stdin=subprocess.PIPE if stdin is not None else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="surrogateescape",
        env=environment,
    ) as process:
        try:
            output, error = process.communicate(stdin)
        except BaseException:
            process.kill()
            process.wait()
            raise
    if check and process.returncode != 0:
        detail = (error.strip().splitlines() or ["failed"])[0]
        raise GitError(f"git {arguments[0]} in {cwd}: {detail}")
    return output.strip() if strip else output


def succeeds(cwd: Path, *arguments: str) -> bool:
    try:
        run(cwd, *arguments)
    except GitError:
        return False
    return True


def status(project: Path) -> list[tuple[str, str]]:
    """`git status` of the project's directory: (code, path relative to the project)."""
    prefix = run(project, "rev-parse", "--show-prefix")
    porcelain = run(
        project, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".", strip=False
    )
    fields = iter(porcelain.split("\0"))
    entries = []
    for field in fields:
        if not field:
            continue
        if {"R", "C"} & set(field[:2]):
            next(fields, None)  # a rename's or copy's source path
        entries.append((field[:2], field[3:].removeprefix(prefix)))
    return entries


def require_committed(project: Path, then: str, error: type[ApigenError]) -> None:
    """Raise `error` unless `project` is a committed, clean git work tree: apigen writes into a
    project (update, add resource) only then, so that git alone can undo what it wrote. `then`
    is what the user does once it is ("run apigen update again")."""
    if not available():
        raise error(f"git is not installed, and apigen needs it here; install git, then {then}")
    if run(project, "rev-parse", "--is-inside-work-tree", check=False) != "true":
        raise error(
            f"{project} is not in a git repository; commit the project first ({FIRST_COMMIT}), "
            f"then {then}"
        )
    if not run(project, "rev-parse", "--verify", "--quiet", "HEAD", check=False):
        raise error(f"{project} has no commit yet; commit the project, then {then}")
    dirty = [path for _, path in status(project)]
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise error(
            f"{project} has uncommitted changes ({shown}); commit them, or stash them with "
            f"`git stash --include-untracked`, then {then}. Nothing was changed."
        )


def init_project(project: Path, *, author: Mapping[str, Any]) -> str:
    """Give the project its own repository with one commit, which `apigen update` needs.

    Inside another repository too, as `git init` would: the project is not part of the
    surrounding one. `author` (the answers) names the committer when git has no identity.
    Returns what was done, as a line for the user.
    """
    if not available():
        return "git is not installed: skipped `git init` (apigen update needs a git repository)"
    if (project / ".git").exists():
        return "already a git repository: left it as it is"
    run(project, "init", "--quiet")
    run(project, "add", "--all")
    identity: list[str] = []
    if not run(project, "config", "user.email", check=False):
        name = author.get("author_name", "apigen")
        email = author.get("author_email", "apigen@localhost")
        identity = ["-c", f"user.name={name}", "-c", f"user.email={email}"]
    message = "Initial project from apigen"
    try:
        run(project, *identity, "commit", "--quiet", "--message", message)
    except GitError as error:
        return f"git commit failed, the files are staged: {error}"
    return "git repository initialised with the first commit"
