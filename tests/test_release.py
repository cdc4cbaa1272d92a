"""Releases (issue 15): the release script, the version between releases, the bundle of every
release's templates, `apigen check`, projects made before releases, and the whole story as a
new user lives it: machine A makes a project with release N, a teammate on machine B (a fresh
HOME, no network) updates it to N+1 with the N+1 wheel, and plain copier does the same from a
stand-in for the public repository.
"""

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from apigen import _version, cli, copier_api, generation, releases
from apigen.check import CheckStatus, check_project
from apigen.git import init_project
from apigen.releases import DEFAULT_SOURCE, ReleaseRecord
from apigen.store import Release
from apigen.update import FileStatus, UpdateError, UpdateResult, update_project

REPOSITORY = Path(__file__).resolve().parents[1]
IDENTITY = {
    "GIT_AUTHOR_NAME": "Release Test",
    "GIT_AUTHOR_EMAIL": "release@example.com",
    "GIT_COMMITTER_NAME": "Release Test",
    "GIT_COMMITTER_EMAIL": "release@example.com",
}
README_TEMPLATE = "templates/fastapi/template/README.md.jinja"
README_LINE = "Then open http://127.0.0.1:8000/docs, or:"
README_LINE_N1 = "Then open http://127.0.0.1:8000/docs (Swagger UI), or:"
USER_ROUTE = "my_api/api/routes/ping.py"


def load_release_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("release", REPOSITORY / "scripts/release.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


release_script = load_release_script()


def git(cwd: Path, *arguments: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", *arguments],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        env=os.environ | IDENTITY | (env or {}),
    ).stdout.strip()


def commit_all(repository: Path, message: str) -> None:
    git(repository, "add", "-A")
    git(repository, "commit", "--quiet", "--message", message)


def run_release(repository: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPOSITORY / "scripts/release.py"), *arguments],
        cwd=repository,
        capture_output=True,
        text=True,
        check=False,
        env=os.environ | IDENTITY,
    )


CHANGELOG = """\
# Changelog

## [Unreleased]

### Added

- Everything.
"""


@pytest.fixture
def small_repository(tmp_path: Path) -> Path:
    """A repository with the files a release touches, and templates, committed."""
    repository = tmp_path / "apigen"
    (repository / "src/apigen").mkdir(parents=True)
    shutil.copy2(REPOSITORY / "src/apigen/_version.py", repository / "src/apigen/_version.py")
    version_file = repository / "src/apigen/_version.py"
    version_file.write_text(
        release_script.RELEASE_LINE.sub('RELEASE = "0.1.0"', version_file.read_text())
    )
    (repository / "CHANGELOG.md").write_text(CHANGELOG)
    (repository / "copier.yml").write_text("framework:\n  type: str\n")
    (repository / "templates/fastapi").mkdir(parents=True)
    (repository / "templates/fastapi/README.md").write_text("one\n")
    git(tmp_path, "init", "--quiet", str(repository))
    commit_all(repository, "Templates")
    return repository


# The release script and the version


def test_a_release_is_a_commit_with_the_bump_and_the_changelog(small_repository: Path) -> None:
    repository = small_repository
    checked = run_release(repository, "0.2.0", "--check", "--repository", str(repository))
    assert checked.returncode == 0, checked.stderr
    assert git(repository, "status", "--porcelain") == ""  # --check writes nothing
    made = run_release(repository, "0.2.0", "--repository", str(repository), "--date", "2026-12-01")
    assert made.returncode == 0, made.stderr
    assert git(repository, "log", "-1", "--format=%s") == "Release 0.2.0"
    assert git(repository, "status", "--porcelain") == ""
    assert 'RELEASE = "0.2.0"' in (repository / "src/apigen/_version.py").read_text()
    changelog = (repository / "CHANGELOG.md").read_text()
    assert "## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n\n### Added\n\n- Everything." in changelog
    # Found from the repository alone, also without the tag.
    git(repository, "tag", "--delete", "v0.2.0")
    head = git(repository, "rev-parse", "HEAD")
    assert _version.releases(repository) == [
        ("0.2.0", head, git(repository, "log", "-1", "--format=%cI"))
    ]
    assert _version.checkout_version(repository) == "0.2.0"
    (repository / "templates/fastapi/README.md").write_text("two\n")
    assert _version.checkout_version(repository) == f"0.2.1.dev0+g{head[:7]}.dirty"
    commit_all(repository, "Templates, two")
    sha = git(repository, "rev-parse", "--short=7", "HEAD")
    assert _version.checkout_version(repository) == f"0.2.1.dev1+g{sha}"


@pytest.mark.parametrize(
    ("prepare", "version", "refusal"),
    [
        ("dirty", "0.2.0", "uncommitted changes"),
        ("no-entry", "0.2.0", "section is empty"),
        ("", "0.1.0", "not newer than 0.1.0"),
        ("", "0.2", "must be X.Y.Z"),
    ],
)
def test_the_release_script_refuses_and_changes_nothing(
    small_repository: Path, prepare: str, version: str, refusal: str
) -> None:
    repository = small_repository
    if prepare == "dirty":
        (repository / "notes.txt").write_text("wip\n")
    if prepare == "no-entry":
        (repository / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n\n")
        commit_all(repository, "Empty changelog")
    before = git(repository, "rev-parse", "HEAD")
    result = run_release(repository, version, "--repository", str(repository))
    assert result.returncode == 1
    assert refusal in result.stderr
    assert "nothing was changed" in result.stderr
    assert git(repository, "rev-parse", "HEAD") == before
    assert git(repository, "tag") == ""


def test_development_versions_order_before_their_release() -> None:
    ordered = ["0.1.0", "0.2.0.dev3+gabc1234", "0.2.0.dev10+gabc1234.dirty", "0.2.0", "0.10.0"]
    assert sorted(reversed(ordered), key=releases.version_key) == ordered
    assert _version.is_release("0.2.0")
    assert not _version.is_release("0.2.1.dev3+gabc1234")
    assert not _version.is_release("0.1.0+snapshot.1")


def test_the_bundle_holds_each_release_s_templates_the_same_every_time(
    small_repository: Path, tmp_path: Path
) -> None:
    repository = small_repository
    assert run_release(repository, "0.2.0", "--repository", str(repository)).returncode == 0
    (repository / "templates/fastapi/README.md").write_text("two\n")
    (repository / "CHANGELOG.md").write_text(
        (repository / "CHANGELOG.md")
        .read_text()
        .replace("## [Unreleased]\n", "## [Unreleased]\n\n- Two.\n")
    )
    (repository / "unrelated.txt").write_text("not a template\n")
    commit_all(repository, "Two")
    assert run_release(repository, "0.3.0", "--repository", str(repository)).returncode == 0
    first, second = tmp_path / "1.bundle", tmp_path / "2.bundle"
    held = releases.write_bundle(repository, first)
    releases.write_bundle(repository, second)
    assert [r.version for r in held] == ["0.2.0", "0.3.0"]
    heads = git(tmp_path, "bundle", "list-heads", str(first))
    assert heads == git(tmp_path, "bundle", "list-heads", str(second))  # deterministic
    assert heads.endswith("refs/tags/v0.3.0")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(first), str(clone))
    assert git(clone, "ls-tree", "--name-only", "v0.3.0") == "copier.yml\ntemplates"
    assert git(clone, "show", "v0.2.0:templates/fastapi/README.md") == "one"
    assert git(clone, "show", "v0.3.0:templates/fastapi/README.md") == "two"


# apigen check


def write_project(
    directory: Path, source: str, commit: str, *, files: dict[str, str] | None = None
) -> Path:
    """A project as apigen leaves it: an answers file (and `files`), committed."""
    directory.mkdir(parents=True)
    answers = {"_commit": commit, "_src_path": source, "framework": "fastapi"}
    (directory / ".copier-answers.yml").write_text(yaml.safe_dump(answers))
    for name, text in (files or {}).items():
        (directory / name).write_text(text)
    git(directory, "init", "--quiet")
    commit_all(directory, "Initial project from apigen")
    return directory


KNOWN = (
    ReleaseRecord("0.2.0", "a" * 40, "2026-12-01T00:00:00+00:00"),
    ReleaseRecord("0.3.0", "b" * 40, "2026-12-02T00:00:00+00:00"),
)


@pytest.mark.parametrize(
    ("commit", "status"),
    [
        ("v0.3.0", CheckStatus.UP_TO_DATE),
        ("v0.3.1.dev2+gabc1234", CheckStatus.UP_TO_DATE),
        ("v0.2.0", CheckStatus.UPDATE_AVAILABLE),
        ("v0.3.0.dev5+gabc1234", CheckStatus.UPDATE_AVAILABLE),
    ],
)
def test_check_compares_with_the_newest_release(
    tmp_path: Path, commit: str, status: CheckStatus
) -> None:
    project = write_project(tmp_path / "p", DEFAULT_SOURCE, commit)
    result = check_project(project, KNOWN)
    assert result.status == status
    assert result.latest_release == "v0.3.0"
    report = result.as_json()
    assert report["exit_code"] == int(status)
    assert report["update_available"] is (status == CheckStatus.UPDATE_AVAILABLE)
    if "dev" in commit:
        assert "development build" in result.message


def test_check_fails_on_conflict_markers_and_rej_files(tmp_path: Path) -> None:
    conflicted = "a\n<<<<<<< before updating\nmine\n=======\ntheirs\n>>>>>>> after updating\n"
    project = write_project(
        tmp_path / "p", DEFAULT_SOURCE, "v0.3.0", files={"README.md": conflicted}
    )
    (project / "Makefile.rej").write_text("@@ -1 +1 @@\n")  # untracked, as copier leaves it
    result = check_project(project, KNOWN)
    assert result.status == CheckStatus.CONFLICTS == 3
    assert result.conflicts == ("Makefile.rej", "README.md")
    assert "git add -A" in result.message


def test_check_without_apigen_s_templates_or_before_releases(tmp_path: Path) -> None:
    assert check_project(tmp_path, KNOWN).status == CheckStatus.NOT_APIGEN
    other = write_project(tmp_path / "other", "https://example.com/someone/else.git", "v1.0.0")
    assert check_project(other, KNOWN).status == CheckStatus.NOT_APIGEN
    older = write_project(tmp_path / "older", "~/.local/share/apigen/templates", "v0.1.0")
    result = check_project(older, KNOWN)
    assert result.status == CheckStatus.UPDATE_AVAILABLE
    assert "docs/updating.md" in result.message
    standin = write_project(tmp_path / "standin", (tmp_path / "a.git").as_uri(), "v0.3.0")
    assert check_project(standin, KNOWN).status == CheckStatus.NOT_APIGEN
    configured = check_project(standin, KNOWN, template_source=str(tmp_path / "a.git"))
    assert configured.status == CheckStatus.UP_TO_DATE


# Projects made before releases, and the update's report


def test_a_project_made_before_releases_elsewhere_is_refused_with_the_way(
    tmp_path: Path,
) -> None:
    project = write_project(tmp_path / "p", str(tmp_path / "gone" / "templates"), "v0.1.0")
    release = Release(REPOSITORY, "0.3.0")
    with pytest.raises(UpdateError, match="before its releases") as raised:
        update_project(project, release=release, template_store=tmp_path / "store")
    assert "docs/updating.md" in str(raised.value)
    assert "apigen new" in str(raised.value)
    assert git(project, "status", "--porcelain") == ""
    (project / ".copier-answers.yml").write_text("framework: fastapi\n")
    commit_all(project, "No version recorded")
    with pytest.raises(UpdateError, match="records no template version"):
        update_project(project, release=release, template_store=tmp_path / "store")


def test_the_update_report_lists_changes_counts_the_rest_and_says_git_add_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {f"file{n}.py": FileStatus.UNCHANGED for n in range(40)}
    files |= {"README.md": FileStatus.MERGED, "CHANGELOG.md": FileStatus.NEW}
    result = UpdateResult(tmp_path, "v0.2.0", "v0.3.0", files)
    cli._report_update(result)
    shown = capsys.readouterr().out
    assert re.search(r"^  merged cleanly +README\.md$", shown, re.MULTILINE)
    assert re.search(r"^  new +CHANGELOG\.md$", shown, re.MULTILINE)
    assert "file1.py" not in shown
    assert "(40 unchanged file(s))" in shown
    assert "git add -A && git commit" in shown
    dry = UpdateResult(tmp_path, "v0.2.0", "v0.3.1.dev2+gabc1234", files, dry_run=True)
    cli._report_update(dry)
    shown = capsys.readouterr().out
    assert "v0.3.1.dev2+gabc1234, a development build" in shown
    assert "file1.py" not in shown
    assert "(40 unchanged file(s))" in shown


def test_the_redirect_to_the_store_is_undone(tmp_path: Path) -> None:
    from plumbum import local

    before = dict(local.env)
    cache = os.environ.get("COPIER_CACHE_DIR")
    with copier_api._redirected((DEFAULT_SOURCE, tmp_path)):
        count = int(local.env["GIT_CONFIG_COUNT"])
        values = {local.env[f"GIT_CONFIG_VALUE_{i}"] for i in range(count)}
        assert {f"{DEFAULT_SOURCE}.git", DEFAULT_SOURCE} <= values
        assert os.environ["COPIER_CACHE_DIR"] != cache
    assert dict(local.env) == before
    assert os.environ.get("COPIER_CACHE_DIR") == cache


# The whole story, with wheels: machine A, machine B, and plain copier from a stand-in


@dataclass(frozen=True)
class World:
    """A scratch apigen repository whose history has an earlier release (N) and, at HEAD, this
    checkout's work released as N+1 with the release script; a bare stand-in for the public
    repository (release tags included); and the wheel of HEAD, unpacked (a pure-Python wheel
    is installed by unpacking it)."""

    repository: Path
    earlier: ReleaseRecord
    later: ReleaseRecord
    earlier_templates: Path
    standin: Path
    wheel: Path


def build_world(base: Path, change: Callable[[Path], None] | None = None) -> World:
    repository = base / "apigen"
    git(base, "clone", "--quiet", "--no-hardlinks", str(REPOSITORY), str(repository))
    if not releases.history(repository):  # before the first release: the last commit as one
        git(repository, "commit", "--quiet", "--allow-empty", "--message", "Release 0.2.0")
    copy_work_tree(REPOSITORY, repository)
    if change is not None:
        change(repository)
    changelog = repository / "CHANGELOG.md"  # what N+1 brings, as a release needs
    changelog.write_text(
        changelog.read_text().replace("## [Unreleased]\n", "## [Unreleased]\n\n- Work.\n", 1)
    )
    git(repository, "add", "-A")
    git(repository, "commit", "--quiet", "--allow-empty", "--message", "Work since the release")
    earlier = releases.history(repository)[-1]
    major, minor, _ = earlier.version.split(".")
    later = f"{major}.{int(minor) + 1}.0"
    released = run_release(repository, later, "--repository", str(repository))
    assert released.returncode == 0, released.stderr
    found = releases.history(repository)
    for record in found:
        git(repository, "tag", "--force", record.tag, record.commit)
    templates = base / f"templates-{earlier.version}"
    templates.mkdir()
    archive = subprocess.run(
        ["git", "archive", earlier.commit, "copier.yml", "templates"],
        cwd=repository,
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(templates)], input=archive, check=True)
    standin = base / "apigen.git"
    git(base, "clone", "--quiet", "--bare", str(repository), str(standin))
    dist = base / "dist"
    uv = Path(sys.executable).with_name("uv")
    built = subprocess.run(
        [str(uv), "build", "--wheel", "--quiet", "-o", str(dist), str(repository)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    wheel = base / "wheel"
    with zipfile.ZipFile(next(dist.glob("apigen_cli-*.whl"))) as archive_file:
        archive_file.extractall(wheel)
    return World(repository, earlier, found[-1], templates, standin, wheel)


def copy_work_tree(source: Path, destination: Path) -> None:
    """The checkout's files as they are now (tracked and new, not ignored; deletions too)."""
    listed = git(source, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        origin, target = source / name, destination / name
        if not os.path.lexists(origin):
            if os.path.lexists(target):
                target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if os.path.lexists(target):
            target.unlink()
        shutil.copy2(origin, target, follow_symlinks=False)


def machine(home: Path, world: World, **variables: str) -> dict[str, str]:
    """The environment of a machine with HEAD's wheel installed, a HOME of its own and no
    network: git may not reach github.com (a redirect to nowhere) or any proxy."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"APIGEN_HOME", "XDG_DATA_HOME", releases.SOURCE_ENV, "COPIER_CACHE_DIR"}
        and not key.startswith("GIT_")
    }
    home.mkdir(parents=True, exist_ok=True)
    return env | {
        "HOME": str(home),
        "PYTHONPATH": str(world.wheel),
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "url./nonexistent/network.insteadOf",
        "GIT_CONFIG_VALUE_0": "https://github.com/",
        "https_proxy": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        **IDENTITY,
        **variables,
    }


def apigen(cwd: Path, env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apigen", *arguments],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def made_at_the_earlier_release(
    world: World, destination: Path, framework: str, home: Path, source: str | None = None
) -> generation.Project:
    """`apigen new` as release N made it on machine A (its own store), with the first commit."""
    made = generation.generate(
        destination,
        {"framework": framework, "project_name": "my-api"},
        release=Release(world.earlier_templates, world.earlier.version),
        template_store=home / "store",
        defaults=True,
        template_source=source,
    )
    init_project(made.destination, author=made.answers)
    return made


def change_the_fastapi_readme(repository: Path) -> None:
    readme = repository / README_TEMPLATE
    text = readme.read_text()
    assert text.count(README_LINE) == 1
    readme.write_text(text.replace(README_LINE, README_LINE_N1))


def tree_of(project: Path) -> dict[str, bytes]:
    """A project's files and their bytes, git's own excluded; `.env` by its keys (each project
    gets a new secret)."""
    tree = {
        str(path.relative_to(project)): path.read_bytes()
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts
    }
    tree[".env"] = re.sub(rb"(?m)^(\w+)=.*$", rb"\1=", tree[".env"])
    return tree


def answers_of(project: Path) -> dict[str, str]:
    loaded: dict[str, str] = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return loaded


@pytest.mark.xdist_group("release-world")
def test_a_teammate_updates_offline_and_copier_updates_from_the_standin(tmp_path: Path) -> None:
    world = build_world(tmp_path, change_the_fastapi_readme)
    # Machine A: release N makes the project, the user edits it.
    project = made_at_the_earlier_release(
        world, tmp_path / "a" / "my-api", "fastapi", tmp_path / "a"
    ).destination
    assert answers_of(project)["_src_path"] == DEFAULT_SOURCE
    assert answers_of(project)["_commit"] == world.earlier.tag
    (project / USER_ROUTE).write_text("# our own endpoint\n")
    commit_all(project, "Our route")
    # Machine B: a fresh HOME, no network, HEAD's wheel.
    env = machine(tmp_path / "b" / "home", world)
    clone = tmp_path / "b" / "my-api"
    git(tmp_path, "clone", "--quiet", str(project), str(clone))
    assert apigen(clone, env, "--version").stdout == f"apigen {world.later.version}\n"
    checked = apigen(clone, env, "check", "--json")
    assert checked.returncode == 1, checked.stderr  # an update exists; no store was needed
    report = json.loads(checked.stdout)
    assert report["update_available"] is True
    assert report["latest_release"] == world.later.tag
    assert not (tmp_path / "b/home/.local").exists()
    dry = apigen(clone, env, "update", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "unchanged file(s)" in dry.stdout
    assert "README.md" in dry.stdout
    assert git(clone, "status", "--porcelain") == ""
    updated = apigen(clone, env, "update")
    assert updated.returncode == 0, updated.stderr
    assert "git add -A" in updated.stdout
    assert f"{world.earlier.tag} -> {world.later.tag}" in updated.stdout
    assert "development build" not in updated.stdout
    readme = (clone / "README.md").read_text()
    assert README_LINE_N1 in readme
    assert README_LINE not in readme
    assert (clone / USER_ROUTE).read_text() == "# our own endpoint\n"
    assert answers_of(clone)["_src_path"] == DEFAULT_SOURCE
    assert answers_of(clone)["_commit"] == world.later.tag
    assert (tmp_path / "b/home/.local/share/apigen/templates").is_dir()  # the store, made here
    assert apigen(clone, env, "check").returncode == 0
    # Plain copier, from the stand-in the project records (APIGEN_TEMPLATE_SOURCE on machine A).
    standin = made_at_the_earlier_release(
        world, tmp_path / "a" / "standin-api", "fastapi", tmp_path / "a", str(world.standin)
    )
    standin_project = standin.destination
    assert answers_of(standin_project)["_src_path"] == world.standin.as_uri()
    copier_env = env | {"COPIER_CACHE_DIR": str(tmp_path / "copier-cache")}
    # The printed `copier copy` command makes the same project: the same files, answers included.
    reproduce = shlex.split(standin.reproduce_commands()[1])
    assert reproduce[-1] == str(standin_project)
    again = tmp_path / "a" / "again"
    copied = subprocess.run(
        [sys.executable, "-m", "copier", *reproduce[1:-1], str(again)],
        env=copier_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert copied.returncode == 0, copied.stderr
    assert tree_of(again) == tree_of(standin_project)
    readme = standin_project / "README.md"
    readme.write_text(readme.read_text().replace(README_LINE, "Then read our wiki first."))
    commit_all(standin_project, "Our README")
    copied = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults"],  # to the newest release
        cwd=standin_project,
        env=copier_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert copied.returncode == 0, copied.stderr  # copier exits 0 with a conflict left
    assert README_LINE_N1 in readme.read_text()  # both sides changed the line: a conflict
    assert answers_of(standin_project)["_commit"] == world.later.tag
    conflicted = apigen(standin_project, env | {releases.SOURCE_ENV: str(world.standin)}, "check")
    assert conflicted.returncode == 3, conflicted.stdout + conflicted.stderr
    assert "README.md" in conflicted.stderr
