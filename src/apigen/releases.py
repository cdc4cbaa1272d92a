"""apigen's releases: where the templates come from, which versions exist, and the git bundle of
every release's templates that each wheel carries.

A project's `.copier-answers.yml` names its templates by this repository's public URL
(`_src_path`) and a release tag (`_commit: v0.2.0`), which mean the same on every machine. A
plain `copier update` fetches them from there. `apigen update` needs no network: the wheel
carries a git bundle with one commit per release (copier.yml and templates/ at that release),
made from the repository's history when the wheel is built (hatch_build.py), and the template
store (store.py) fetches it on demand. The commits are built deterministically (the release
commit's date, a fixed author), so every wheel's bundle gives the same commit for a release.
"""

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import _version, git  # no yaml here: the build hook imports this module

# A placeholder for the repository's real public URL; APIGEN_TEMPLATE_SOURCE replaces it (a
# fork, a mirror, or a local stand-in in tests: a path or a file:// URL of a bare repository).
DEFAULT_SOURCE = "https://github.com/apigen-dev/apigen"
SOURCE_ENV = "APIGEN_TEMPLATE_SOURCE"
BUNDLE_FILE = Path(__file__).resolve().with_name("_releases.bundle")  # in a wheel only
TEMPLATE_PATHS = ("copier.yml", "templates")  # what a wheel bundles and a store tags


@dataclass(frozen=True)
class ReleaseRecord:
    """One release: its version and the commit of this repository that made it."""

    version: str
    commit: str
    date: str

    @property
    def tag(self) -> str:
        return f"v{self.version}"


def template_source(configured: str | None = None) -> str:
    """The source new projects record as `_src_path`: `configured`, else APIGEN_TEMPLATE_SOURCE,
    else the public URL; a path becomes a file:// URL, so that git can redirect it to the local
    store during `apigen update`."""
    configured = (os.environ.get(SOURCE_ENV, "") if configured is None else configured).strip()
    if not configured:
        return DEFAULT_SOURCE
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", configured) or configured.startswith("git@"):
        return configured
    return Path(configured).expanduser().resolve().as_uri()


def is_our_source(source: str, configured: str | None = None) -> bool:
    """Whether a recorded `_src_path` names apigen's repository (the public URL or the one
    APIGEN_TEMPLATE_SOURCE configures), with or without `.git`."""
    recorded = source.rstrip("/").removesuffix(".git")
    ours = template_source(configured).rstrip("/").removesuffix(".git")
    return recorded in {DEFAULT_SOURCE, ours}


def known() -> tuple[ReleaseRecord, ...]:
    """The releases this apigen knows, oldest first: listed in a wheel's _build.json, else found
    in the checkout's history. No store and no network needed (`apigen check` on a CI runner)."""
    build = _version.BUILD_FILE
    if build.is_file():
        listed = json.loads(build.read_text(encoding="utf-8")).get("releases", [])
        return tuple(ReleaseRecord(r["version"], r["commit"], r["date"]) for r in listed)
    checkout = _version.CHECKOUT
    if (checkout / ".git").exists() and git.available():
        return history(checkout)
    return ()


def history(repository: Path, revision: str = "HEAD") -> tuple[ReleaseRecord, ...]:
    return tuple(ReleaseRecord(*found) for found in _version.releases(repository, revision))


def version_key(version: str) -> tuple[int, int, int, int]:
    """Order versions as apigen writes them: X.Y.Z.devN+local before X.Y.Z. Anything else (an
    old `v0.1.0+snapshot.N` tag) sorts as its X.Y.Z; no version at all sorts first."""
    match = re.match(r"(\d+)\.(\d+)\.(\d+)(?:\.dev(\d+))?", version.removeprefix("v"))
    if not match:
        return (-1, -1, -1, -1)
    major, minor, patch, dev = match.groups()
    return (int(major), int(minor), int(patch), sys.maxsize if dev is None else int(dev))


@contextmanager
def bundle() -> Iterator[Path | None]:
    """The bundle of every release's templates: the wheel's, or one made from the checkout's
    history for as long as the block runs; None when there is no release yet."""
    if BUNDLE_FILE.is_file():
        yield BUNDLE_FILE
        return
    checkout = _version.CHECKOUT
    if not ((checkout / ".git").exists() and git.available()):
        yield None
        return
    with git.scratch_directory("apigen-bundle-") as scratch:
        path = Path(scratch) / "releases.bundle"
        yield path if write_bundle(checkout, path) else None


def write_bundle(
    repository: Path, bundle: Path, revision: str = "HEAD"
) -> tuple[ReleaseRecord, ...]:
    """Write a git bundle of every release's templates in `repository`'s history to `bundle`
    (no file when there is no release yet); return the releases it holds."""
    found = history(repository, revision)
    if not found:
        return found
    with git.scratch_directory("apigen-releases-") as scratch:
        work = Path(scratch) / "releases.git"
        git.run(Path(scratch), "init", "--quiet", "--bare", str(work))
        objects = Path(git.run(repository, "rev-parse", "--git-path", "objects"))
        if not objects.is_absolute():
            objects = repository / objects
        (work / "objects" / "info" / "alternates").write_text(f"{objects.resolve()}\n")
        parent = None
        for release in found:
            parent = _release_commit(repository, work, release, parent)
            git.run(work, "update-ref", f"refs/tags/{release.tag}", parent)
        bundle.parent.mkdir(parents=True, exist_ok=True)
        git.run(work, "bundle", "create", "--quiet", str(bundle.resolve()), "--tags")
    return found


def _release_commit(
    repository: Path, work: Path, release: ReleaseRecord, parent: str | None
) -> str:
    """A commit holding only copier.yml and templates/ as they were at `release`."""
    entries = []
    for name in TEMPLATE_PATHS:
        line = git.run(repository, "ls-tree", release.commit, "--", name)
        if not line:
            raise ValueError(f"release {release.version} ({release.commit}) has no {name}")
        entries.append(line)
    tree = git.run(work, "mktree", stdin="\n".join(entries) + "\n")
    dated = git.APIGEN_IDENTITY | {
        "GIT_AUTHOR_DATE": release.date,
        "GIT_COMMITTER_DATE": release.date,
    }
    parents = ("-p", parent) if parent else ()
    message = f"apigen {release.version} templates\n\nFrom commit {release.commit}.\n"
    return git.run(work, "commit-tree", "--no-gpg-sign", *parents, "-m", message, tree, env=dated)
