"""The template store: a git repository on this machine holding one tagged commit per release
of apigen's templates, and per development build that ran here.

Copier's update merges three ways and needs the project's template version and the new one as
commits of one git repository. The store fetches every release from the bundle the installed
apigen carries (releases.py), tagged `vX.Y.Z` exactly as in this repository, and adds the
installed apigen's own templates when they are not a release (`v<dev version>`). `apigen new`
renders from the store at the installed version's tag, and `apigen update` merges from the
project's tag to the new one, offline, with git redirecting the project's recorded source (the
public URL) to the store.
"""

import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import __version__, catalogue, git, releases
from .errors import GitError, StoreError

STORE_ENV = "APIGEN_HOME"  # $APIGEN_HOME/templates replaces the default store (tests, CI)


@dataclass(frozen=True)
class Release:
    """One apigen's templates: the directory holding copier.yml and templates/, and its version."""

    source: Path
    version: str


@dataclass(frozen=True)
class Source:
    """What copier renders from: a path or URL, at a tag (None: the files as they are)."""

    url: str
    ref: str | None


def installed_release() -> Release:
    return Release(catalogue.source_root(), __version__)


def default_store() -> Path:
    """$APIGEN_HOME/templates, else a checkout's own .cache, else the user's data directory.

    A development checkout keeps its snapshots to itself, so templates in progress never pose as
    a release in the store that an installed apigen uses.
    """
    home = os.environ.get(STORE_ENV)
    if home:
        return Path(home).expanduser().resolve() / "templates"
    checkout = catalogue.CHECKOUT_SOURCE
    if catalogue.source_root() == checkout and _is_checkout(checkout):
        return checkout / ".cache" / "apigen" / "templates"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser().resolve() / "apigen" / "templates"


def store_url(store: Path) -> str:
    """The store as the answers file names it: `~/...` when under the home directory, so a
    teammate who clones the project finds their own store there."""
    try:
        return f"~/{store.relative_to(Path.home().resolve()).as_posix()}"
    except ValueError:
        return store.as_posix()


def publish(release: Release, store: Path) -> Source:
    """Add the releases and `release` to `store` (it writes; idempotent) and return where to
    render `release` from.

    Without git there is no store: the release's own files, untagged.
    """
    if not git.available():
        return Source(str(release.source), None)
    import_releases(store)
    return Source(store_url(store), tag_for(release, store))


def tag_for(release: Release, store: Path) -> str:
    """The store's tag for `release`: a release apigen knows is the bundle's commit (a wheel's
    copy of the templates loses symlinks and modes, so it is not compared); anything else is
    added by `add_release`."""
    tag = f"v{release.version}"
    known = {record.version for record in releases.known()}
    if release.version in known and has_tag(store, tag):
        return tag
    return add_release(release, store)


def import_releases(store: Path, *, wanted: tuple[str, ...] | None = None) -> None:
    """Fetch every release's templates from the installed apigen's bundle into `store`, unless
    the `wanted` tags (default: every known release) are there already. Offline, idempotent."""
    tags = wanted if wanted is not None else tuple(r.tag for r in releases.known())
    if is_store(store) and all(has_tag(store, tag) for tag in tags):
        return
    with releases.bundle() as bundle:
        if bundle is None:
            return
        try:
            with _locked(store):
                _init_store(store)
                git.run(
                    store, "fetch", "--quiet", "--no-tags", str(bundle), "refs/tags/*:refs/tags/*"
                )
        except OSError as error:
            raise StoreError(
                f"cannot write apigen's template store {store} ({error.strerror or error}); "
                f"set {STORE_ENV} to a writable directory"
            ) from error
        except GitError as error:
            raise StoreError(
                f"the template store {store} holds a release tag with other templates than this "
                f"apigen's ({error}); move the store away (apigen makes it again), or set "
                f"{STORE_ENV} to another directory"
            ) from error


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
            if latest and git.run(store, "rev-parse", f"refs/tags/{latest}^{{tree}}") == tree:
                return latest
            tag = _snapshot_tag(release.version, series[-1][0] + 1 if series else 0)
            _commit(store, tree, tag)
            return tag
    except OSError as error:
        raise StoreError(
            f"cannot write apigen's template store {store} ({error.strerror or error}); "
            f"set {STORE_ENV} to a writable directory"
        ) from error


def release_tags(store: Path) -> tuple[str, ...]:
    return tuple(git.run(store, "tag", "--list").split())


def has_tag(store: Path, tag: str) -> bool:
    return git.succeeds(store, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}")


def is_store(path: Path) -> bool:
    return (path / ".git").is_dir() and git.run(
        path, "config", "--local", "--get", "apigen.store", check=False
    ) in {"true", "1"}


def lock_path(store: Path) -> Path:
    """The file whose lock lets one apigen at a time write the store."""
    return store.parent / f".{store.name}.lock"


def _is_checkout(source: Path) -> bool:
    return (source / ".git").exists()


@contextmanager
def _locked(store: Path) -> Iterator[None]:
    """One apigen at a time writes the store (two terminals, parallel CI jobs)."""
    store.parent.mkdir(parents=True, exist_ok=True)
    with lock_path(store).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _init_store(store: Path) -> None:
    """Create the store's repository beside it and move it into place, so it is never half made."""
    if is_store(store):
        return
    if store.exists() and (not store.is_dir() or any(store.iterdir())):
        raise StoreError(
            f"{store} exists and is not apigen's template store; move it away, "
            f"or set {STORE_ENV} to another directory"
        )
    scratch = Path(tempfile.mkdtemp(prefix=f".{store.name}.", dir=store.parent))
    try:
        git.run(scratch, "init", "--quiet")
        git.run(scratch, "symbolic-ref", "HEAD", "refs/heads/main")
        git.run(scratch, "config", "apigen.store", "true")
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
    blobs = git.run(store, "hash-object", "-w", "--no-filters", "--stdin-paths", stdin=paths)
    entries = [
        f"{_mode(source / name)} {blob}\t{name}"
        for name, blob in zip(regular, blobs.split(), strict=True)
    ]
    for name in files:
        if (source / name).is_symlink():
            target = os.readlink(source / name)
            blob = git.run(store, "hash-object", "-w", "--stdin", stdin=target)
            entries.append(f"120000 {blob}\t{name}")
    with git.scratch_directory("apigen-index-") as scratch:
        index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        info = "".join(f"{entry}\0" for entry in entries)
        git.run(store, "update-index", "-z", "--add", "--index-info", stdin=info, env=index)
        return git.run(store, "write-tree", env=index)


def _snapshot_files(source: Path) -> list[str]:
    """What a wheel would bundle: in a checkout, the files git tracks or would track."""
    if _is_checkout(source):
        listed = git.run(
            source,
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
            *releases.TEMPLATE_PATHS,
            strip=False,
        ).split("\0")
        return sorted({name for name in listed if name and os.path.lexists(source / name)})
    return sorted(_walk(source))


def _walk(source: Path) -> Iterator[str]:
    yield releases.TEMPLATE_PATHS[0]
    for directory, dirnames, filenames in os.walk(source / releases.TEMPLATE_PATHS[1]):
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
    parent = git.run(store, "rev-parse", "--verify", "--quiet", "refs/heads/main", check=False)
    parents = ("-p", parent) if parent else ()
    message = f"apigen {tag.removeprefix('v')} templates"
    commit = git.run(
        store,
        "commit-tree",
        "--no-gpg-sign",
        *parents,
        "-m",
        message,
        tree,
        env=git.APIGEN_IDENTITY,
    )
    git.run(store, "update-ref", "refs/heads/main", commit)
    git.run(store, "update-ref", f"refs/tags/{tag}", commit, "")  # "": the tag must be new
    git.run(store, "reset", "--hard", "--quiet")  # the working tree shows the newest templates
