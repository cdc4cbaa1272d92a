"""Git and template releases for the tests that make projects and update them."""

import shutil
import subprocess
from pathlib import Path

from apigen import catalogue
from apigen.store import Release


def git(cwd: Path, *arguments: str) -> str:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    return subprocess.run(
        ["git", *identity, *arguments], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def commit_all(repository: Path, message: str) -> None:
    git(repository, "add", "--all")
    git(repository, "commit", "--quiet", "--message", message)


def copy_release(destination: Path, version: str) -> Release:
    """This checkout's templates as another apigen version would carry them."""
    source = catalogue.source_root()
    destination.mkdir(parents=True)
    shutil.copy2(source / "copier.yml", destination / "copier.yml")
    shutil.copytree(
        source / "templates",
        destination / "templates",
        symlinks=True,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return Release(destination, version)
