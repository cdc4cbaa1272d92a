"""Make a release of apigen: `make release VERSION=X.Y.Z` (docs/releasing.md).

A release is a commit of this repository whose message is exactly `Release X.Y.Z`, holding the
version bump (RELEASE in src/apigen/_version.py) and the CHANGELOG.md entry for X.Y.Z; it is
found from the repository alone (`git log --grep`), so it survives clones without tags. The
script refuses, changing nothing, unless the work tree is clean, X.Y.Z is newer than every
release so far, and CHANGELOG.md has an entry for it (an `## [X.Y.Z] - date` section, or a
non-empty `## [Unreleased]` section, which becomes X.Y.Z's). It then writes the two files,
commits them as `Release X.Y.Z`, and tags the commit `vX.Y.Z` for copier users of the public
repository (apigen itself never needs the tag).

`--check` runs the checks only. Standard library only: it runs before `make install`.
"""

import argparse
import datetime
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSION_FILE = Path("src/apigen/_version.py")
CHANGELOG = Path("CHANGELOG.md")
RELEASE_LINE = re.compile(r'^RELEASE = "(\d+\.\d+\.\d+)"$', re.MULTILINE)
VERSION = re.compile(r"\d+\.\d+\.\d+")
UNRELEASED = "## [Unreleased]"


class Refused(Exception):
    """A check failed: one line for the releaser; nothing was changed."""


def git(repository: Path, *arguments: str) -> str:
    result = subprocess.run(  # noqa: S603 - git with arguments built here, no shell
        ["git", "-C", str(repository), *arguments],  # noqa: S607 - git from PATH
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise Refused(f"git {' '.join(arguments)}: {result.stderr.strip()}")
    return result.stdout.strip()


def key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def released(repository: Path) -> list[str]:
    """The versions of the release commits in HEAD's history."""
    subjects = git(
        repository, "log", "-E", "--grep=^Release [0-9]+\\.[0-9]+\\.[0-9]+$", "--format=%s"
    )
    return [
        line.removeprefix("Release ")
        for line in subjects.splitlines()
        if re.fullmatch(r"Release \d+\.\d+\.\d+", line)
    ]


def changelog_with_entry(text: str, version: str, today: str) -> str:
    """CHANGELOG.md with an entry for `version`: already there, or the Unreleased section's
    changes moved under `## [version] - today` (a fresh, empty Unreleased above it)."""
    if re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.MULTILINE):
        return text
    start = text.find(f"{UNRELEASED}\n")
    if start < 0:
        raise Refused(f"CHANGELOG.md has neither `## [{version}] - YYYY-MM-DD` nor `{UNRELEASED}`")
    body_start = start + len(UNRELEASED) + 1
    following = re.search(r"^## \[", text[body_start:], re.MULTILINE)
    body_end = body_start + following.start() if following else len(text)
    if not text[body_start:body_end].strip():
        raise Refused(f"CHANGELOG.md's `{UNRELEASED}` section is empty: say what {version} brings")
    heading = f"{UNRELEASED}\n\n## [{version}] - {today}\n"
    return text[:start] + heading + text[body_start:]


def check(repository: Path, version: str, today: str) -> dict[Path, str]:
    """Every check; returns the files to write (path relative to the repository: new text)."""
    if not VERSION.fullmatch(version):
        raise Refused(f"VERSION must be X.Y.Z (three numbers), got {version!r}")
    if git(repository, "status", "--porcelain", "--untracked-files=normal"):
        raise Refused("the work tree has uncommitted changes: commit them first (git add -A)")
    previous = released(repository)
    declared_text = (repository / VERSION_FILE).read_text(encoding="utf-8")
    declared = RELEASE_LINE.search(declared_text)
    if declared is None:
        raise Refused(f'{VERSION_FILE} has no `RELEASE = "X.Y.Z"` line')
    newest = max([*previous, declared.group(1)], key=key)
    if key(version) <= key(newest):
        raise Refused(f"{version} is not newer than {newest}, the newest release so far")
    changelog = changelog_with_entry(
        (repository / CHANGELOG).read_text(encoding="utf-8"), version, today
    )
    bumped = RELEASE_LINE.sub(f'RELEASE = "{version}"', declared_text, count=1)
    return {VERSION_FILE: bumped, CHANGELOG: changelog}


def release(repository: Path, version: str, today: str) -> str:
    """Write the version and the changelog, commit `Release X.Y.Z`, tag it; return the commit."""
    files = check(repository, version, today)
    for path, text in files.items():
        (repository / path).write_text(text, encoding="utf-8")
    git(repository, "add", "--", *(str(path) for path in files))
    git(repository, "commit", "--quiet", "--message", f"Release {version}")
    git(repository, "tag", "--annotate", f"v{version}", "--message", f"apigen {version}")
    return git(repository, "rev-parse", "HEAD")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Make a release of apigen.")
    parser.add_argument("version", help="X.Y.Z, newer than the last release")
    parser.add_argument("--check", action="store_true", help="run the checks only")
    parser.add_argument("--repository", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--date", default=datetime.date.today().isoformat(), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    try:
        if options.check:
            check(options.repository, options.version, options.date)
            print(f"ready to release {options.version}: make release VERSION={options.version}")
            return 0
        commit = release(options.repository, options.version, options.date)
    except Refused as refusal:
        print(f"error: {refusal}; nothing was changed", file=sys.stderr)
        return 1
    print(
        f"Released {options.version}: commit {commit[:12]} `Release {options.version}`, tagged "
        f"v{options.version}.\nPublish: git push --follow-tags && uv build && uv publish "
        "(the wheel carries every release's templates, from this history)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
