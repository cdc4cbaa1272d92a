"""apigen's version: the one place it is declared, and how a build between releases names itself.

`RELEASE` is the newest release; only the release script (scripts/release.py) changes it, in
the release commit, whose message is exactly `Release X.Y.Z`. That commit is how a release is
found from the repository alone (`git log --grep`), without tags, which not every clone keeps.
A checkout at that commit with no changes is version `RELEASE`; anything else is a PEP 440
development version of the next patch, `X.Y.(Z+1).dev<commits since the release>+g<commit>`
(`.dirty` with uncommitted changes), which never poses as a release. A wheel records the version
it was built as in `_build.json`, since it has no git history.

Standard library only: hatchling runs this file on its own to read the version at build time.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

RELEASE = "0.2.0"
RELEASE_SUBJECT = re.compile(r"Release (\d+)\.(\d+)\.(\d+)")  # the whole first line
BUILD_FILE = Path(__file__).resolve().with_name("_build.json")
CHECKOUT = Path(__file__).resolve().parents[2]


def version() -> str:
    """This apigen's version: the built one in a wheel, else the checkout's, else a dev version."""
    if BUILD_FILE.is_file():
        return str(json.loads(BUILD_FILE.read_text(encoding="utf-8"))["version"])
    if (CHECKOUT / ".git").exists() and shutil.which("git"):
        return checkout_version(CHECKOUT)
    return f"{next_patch(RELEASE)}.dev0+unknown"


def is_release(text: str) -> bool:
    """A release is X.Y.Z; everything else (dev, local, snapshot) is a build between releases."""
    return re.fullmatch(r"\d+\.\d+\.\d+", text) is not None


def next_patch(release: str) -> str:
    major, minor, patch = (int(part) for part in release.split("."))
    return f"{major}.{minor}.{patch + 1}"


def releases(repository: Path, revision: str = "HEAD") -> list[tuple[str, str, str]]:
    """The releases in `revision`'s history, oldest first: (version, commit, committer date)."""
    listing = _git(
        repository,
        "log",
        "-E",
        "--grep=^Release [0-9]+\\.[0-9]+\\.[0-9]+$",
        "--format=%H%x00%cI%x00%s",
        revision,
        "--",
    )
    found = []
    for line in listing.splitlines():
        commit, date, subject = line.split("\0", 2)
        match = RELEASE_SUBJECT.fullmatch(subject)
        if match:
            found.append((".".join(match.groups()), commit, date))
    return found[::-1]


def checkout_version(repository: Path) -> str:
    """The version of the checkout at `repository`, as described in the module docstring."""
    head = _git(repository, "rev-parse", "--verify", "--quiet", "HEAD", check=False)
    if not head:
        return f"{next_patch(RELEASE)}.dev0+unknown"
    dirty = bool(_git(repository, "status", "--porcelain", "--untracked-files=normal"))
    found = releases(repository)
    if found and found[-1][1] == head and not dirty:
        return found[-1][0]
    base = found[-1][0] if found else RELEASE
    since = f"{found[-1][1]}..HEAD" if found else "HEAD"
    count = _git(repository, "rev-list", "--count", since)
    return f"{next_patch(base)}.dev{count}+g{head[:7]}{'.dirty' if dirty else ''}"


def _git(repository: Path, *arguments: str, check: bool = True) -> str:
    result = subprocess.run(  # noqa: S603 - git with fixed arguments, no shell
        ["git", "-C", str(repository), *arguments],  # noqa: S607 - git from PATH
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | {"LC_ALL": "C"},
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"git {arguments[0]} in {repository}: {result.stderr.strip()}")
    return result.stdout.strip()
