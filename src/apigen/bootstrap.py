"""What apigen does after rendering, in Python rather than in template tasks (so `copier copy`
needs no --trust): start a git repository, install the project, run its tests."""

import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Step:
    title: str
    command: tuple[str, ...]


VERIFY_STEPS = (
    Step("Installing (make install)", ("make", "install")),
    Step("Running the project's tests (make test)", ("make", "test")),
)


def _git(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed git commands, no shell
        ["git", *arguments],  # noqa: S607 - git from PATH
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def init_git(project: Path, answers: Mapping[str, Any]) -> str:
    """Make the project a git repository with one commit, which `apigen update` needs."""
    if shutil.which("git") is None:
        return "git is not installed: skipped `git init` (apigen update needs a git repository)"
    if _git(project, "rev-parse", "--is-inside-work-tree").returncode == 0:
        return "already inside a git repository: left it as it is"
    _git(project, "init", "--quiet")
    _git(project, "add", "--all")
    identity: list[str] = []
    if not _git(project, "config", "user.email").stdout.strip():
        identity = [
            "-c",
            f"user.name={answers.get('author_name', 'apigen')}",
            "-c",
            f"user.email={answers.get('author_email', 'apigen@localhost')}",
        ]
    result = _git(
        project, *identity, "commit", "--quiet", "--message", "Initial project from apigen"
    )
    if result.returncode != 0:
        return f"git commit failed, files are staged: {result.stderr.strip()}"
    return "git repository initialised with the first commit"


def run_step(project: Path, step: Step) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the project's own make targets
        list(step.command), cwd=project, capture_output=True, text=True, check=False
    )
