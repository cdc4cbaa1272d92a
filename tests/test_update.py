"""Updating generated projects: `apigen update` (update_project) and a plain `copier update`.

Two versions of the templates are made from this checkout's templates: 1.0.0 as they are, and
2.0.0 with a changed README line and a new file. "Installing" a version of apigen means passing
that release to `generate` and `update_project`; the template store lives in a temporary directory.
"""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from apigen import catalogue, generation, store
from apigen.errors import UsageError
from apigen.git import init_project
from apigen.releases import DEFAULT_SOURCE
from apigen.store import Release
from apigen.update import FileStatus, UpdateError, UpdateResult, update_project

from .repositories import commit_all, git

TEMPLATE = Path("templates/fastapi/template")
README_LINE = "Then open http://127.0.0.1:8000/docs, or:"
README_LINE_V2 = "Then open http://127.0.0.1:8000/docs (Swagger UI) or /redoc, or:"
CHANGELOG = "# Changelog\n\n- 2.0.0: a changelog, so updates say what they bring.\n"
USER_DESCRIPTION = "The billing team's user service: edited by hand after generation."
PING_MODULE = """\
from fastapi import APIRouter

router = APIRouter()


@router.get("/ping")
async def ping() -> dict[str, str]:
    return {"ping": "pong"}
"""
PING_TEST = """\
from fastapi import FastAPI
from fastapi.testclient import TestClient

from my_api.api.routes.ping import router


def test_ping() -> None:
    app = FastAPI()
    app.include_router(router)
    assert TestClient(app).get("/ping").json() == {"ping": "pong"}
"""
EDITS = {"my_api/api/routes/ping.py": PING_MODULE, "tests/test_ping.py": PING_TEST}
# Variables a developer's shell may set that would change what the generated project does.
PROJECT_VARIABLES = ("DATABASE_URL", "ENVIRONMENT", "SECRET_KEY", "LOG_FORMAT", "LOG_LEVEL")


def copy_templates(destination: Path) -> Path:
    """This checkout's templates, laid out as a wheel bundles them (copier.yml, templates/)."""
    source = catalogue.source_root()
    destination.mkdir(parents=True)
    shutil.copy2(source / "copier.yml", destination / "copier.yml")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(source / "templates", destination / "templates", symlinks=True, ignore=ignore)
    return destination


def make_version_2(templates: Path) -> None:
    """The template improvements of version 2: one README line changed, one new file."""
    readme = templates / TEMPLATE / "README.md.jinja"
    text = readme.read_text()
    assert text.count(README_LINE) == 1
    readme.write_text(text.replace(README_LINE, README_LINE_V2))
    (templates / TEMPLATE / "CHANGELOG.md").write_text(CHANGELOG)


@dataclass(frozen=True)
class Releases:
    first: Release
    second: Release


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Releases:
    base = tmp_path_factory.mktemp("releases")
    first = copy_templates(base / "1.0.0")
    second = copy_templates(base / "2.0.0")
    make_version_2(second)
    return Releases(Release(first, "1.0.0"), Release(second, "2.0.0"))


def generate(
    destination: Path,
    answers: dict[str, str],
    release: Release,
    home: Path,
    template_source: str | None = None,
) -> generation.Project:
    """`apigen new --defaults` as this release of apigen does it, without the git commit."""
    return generation.generate(
        destination,
        answers,
        release=release,
        template_store=home,
        defaults=True,
        template_source=template_source,
    )


def new_project(
    destination: Path,
    release: Release,
    home: Path,
    template_source: str | None = None,
    **answers: str,
) -> Path:
    """`apigen new` with --defaults, then the first commit `apigen new` makes."""
    project = generate(
        destination, {"framework": "fastapi", **answers}, release, home, template_source
    )
    init_project(project.destination, author=project.answers)
    return project.destination


def update(project: Path, release: Release, home: Path, **options: Any) -> UpdateResult:
    """`apigen update` as this release of apigen runs it."""
    return update_project(project, release=release, template_store=home, **options)


def edit_as_a_user(project: Path) -> None:
    """A changed README line and a new endpoint module with its test, committed."""
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("A user service API", USER_DESCRIPTION, 1))
    for relative, text in EDITS.items():
        (project / relative).write_text(text)
    commit_all(project, "Our own changes")


def answers(project: Path) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return loaded


def conflict_leftovers(project: Path) -> list[str]:
    """Files with copier's inline conflict markers, and .rej files."""
    found = []
    for path in project.rglob("*"):
        if ".git" in path.parts or ".venv" in path.parts or not path.is_file():
            continue
        if path.suffix == ".rej" or b"<<<<<<< before updating" in path.read_bytes():
            found.append(str(path.relative_to(project)))
    return found


def assert_updated_with_edits_kept(project: Path) -> None:
    readme = (project / "README.md").read_text()
    assert README_LINE_V2 in readme  # the template's change arrived
    assert README_LINE not in readme
    assert USER_DESCRIPTION in readme  # the user's edit survived
    assert (project / "CHANGELOG.md").read_text() == CHANGELOG
    for relative, text in EDITS.items():
        assert (project / relative).read_text() == text
    assert conflict_leftovers(project) == []
    assert answers(project)["_commit"] == "v2.0.0"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A template store of its own, never the developer's."""
    return tmp_path / "apigen-home" / "templates"


@dataclass(frozen=True)
class Updated:
    project: Path
    dry_run: UpdateResult
    untouched_by_dry_run: bool
    result: UpdateResult


@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory, releases: Releases) -> Updated:
    """Generated with apigen 1.0.0, edited and committed, then `apigen update` with 2.0.0."""
    base = tmp_path_factory.mktemp("updated")
    home = base / "apigen-home" / "templates"
    project = new_project(base / "my-api", releases.first, home)
    edit_as_a_user(project)
    head = git(project, "rev-parse", "HEAD")
    dry_run = update(project, releases.second, home, dry_run=True)
    untouched = git(project, "status", "--porcelain") == "" and head == git(
        project, "rev-parse", "HEAD"
    )
    result = update(project, releases.second, home)
    return Updated(project, dry_run, untouched, result)


# The template store


def test_new_renders_from_the_store_at_the_installed_version(
    home: Path, releases: Releases, tmp_path: Path
) -> None:
    project = new_project(tmp_path / "my-api", releases.first, home)
    # Named the same on every machine: the public repository and the release, not the store.
    assert answers(project)["_src_path"] == DEFAULT_SOURCE
    assert answers(project)["_commit"] == "v1.0.0"
    assert "v1.0.0" in store.release_tags(home)


def test_adding_a_release_is_idempotent_and_changed_templates_get_a_new_tag(
    home: Path, releases: Releases
) -> None:
    assert store.add_release(releases.first, home) == "v1.0.0"
    assert store.add_release(releases.first, home) == "v1.0.0"
    assert store.add_release(releases.second, home) == "v2.0.0"
    # The same version with other templates (a development checkout): a new snapshot tag.
    edited = Release(releases.second.source, "1.0.0")
    assert store.add_release(edited, home) == "v1.0.0+snapshot.1"
    assert store.add_release(edited, home) == "v1.0.0+snapshot.1"
    assert store.release_tags(home) == ("v1.0.0", "v1.0.0+snapshot.1", "v2.0.0")
    # One commit per tag, so `git describe` (copier's `_commit`) names exactly one version.
    assert len(git(home, "rev-list", "--all").split()) == 3
    assert git(home, "status", "--porcelain") == ""


def test_the_store_holds_what_a_wheel_bundles(home: Path, tmp_path: Path) -> None:
    source = copy_templates(tmp_path / "release")
    cache = source / TEMPLATE / "__pycache__"
    cache.mkdir()
    (cache / "main.cpython-311.pyc").write_bytes(b"\0")
    tag = store.add_release(Release(source, "1.0.0"), home)
    tree = git(home, "ls-tree", "-r", tag)
    assert "__pycache__" not in tree
    assert "120000 blob" in next(line for line in tree.splitlines() if "fastapi/copier.yml" in line)
    assert "templates/fastapi/template/README.md.jinja" in tree


def test_the_answers_file_names_a_store_under_home_relative_to_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    under_home = tmp_path / ".local" / "share" / "apigen" / "templates"
    assert store.store_url(under_home) == "~/.local/share/apigen/templates"
    assert store.store_url(Path("/srv/apigen/templates")) == "/srv/apigen/templates"


# apigen update


@pytest.mark.xdist_group("updated-project")
def test_dry_run_lists_each_file_and_writes_nothing(updated: Updated) -> None:
    dry_run = updated.dry_run
    assert updated.untouched_by_dry_run
    assert dry_run.dry_run
    assert (dry_run.from_version, dry_run.to_version) == ("v1.0.0", "v2.0.0")
    assert dry_run.files["CHANGELOG.md"] == FileStatus.NEW
    assert dry_run.files["README.md"] == FileStatus.MERGED
    assert dry_run.files["my_api/api/routes/ping.py"] == FileStatus.UNCHANGED
    assert dry_run.files["pyproject.toml"] == FileStatus.UNCHANGED
    assert dry_run.conflicts == ()
    assert dry_run.exit_code == 0


@pytest.mark.xdist_group("updated-project")
def test_update_brings_the_template_change_and_keeps_the_edits(updated: Updated) -> None:
    assert_updated_with_edits_kept(updated.project)
    assert updated.result.exit_code == 0
    assert updated.result.to_version == "v2.0.0"
    assert updated.result.files == updated.dry_run.files  # the dry run told the truth
    assert updated.result.changed == (".copier-answers.yml", "CHANGELOG.md", "README.md")


@pytest.mark.e2e
@pytest.mark.xdist_group("updated-project")
def test_the_updated_project_installs_and_its_tests_pass(updated: Updated) -> None:
    env = {key: value for key, value in os.environ.items() if key not in PROJECT_VARIABLES}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # uv
    for target in ("install", "test"):
        result = subprocess.run(
            ["make", target],
            cwd=updated.project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, f"make {target}:\n{result.stdout}\n{result.stderr}"


def test_a_real_conflict_is_marked_and_reported(
    home: Path, releases: Releases, tmp_path: Path
) -> None:
    project = new_project(tmp_path / "my-api", releases.first, home)
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace(README_LINE, "Then read our wiki first."))
    commit_all(project, "Our README")
    assert update(project, releases.second, home, dry_run=True).conflicts == ("README.md",)
    result = update(project, releases.second, home)
    assert result.conflicts == ("README.md",)
    assert result.exit_code == 1
    text = readme.read_text()
    assert "<<<<<<< before updating" in text
    assert "Then read our wiki first." in text
    assert README_LINE_V2 in text
    assert (project / "CHANGELOG.md").read_text() == CHANGELOG  # the rest still arrived
    assert conflict_leftovers(project) == ["README.md"]
    assert answers(project)["_commit"] == "v2.0.0"
    assert "UU README.md" in git(project, "status", "--porcelain")  # as git marks a conflict


@pytest.mark.parametrize("change", ["modified", "untracked"])
def test_uncommitted_changes_are_refused(
    change: str, home: Path, releases: Releases, tmp_path: Path
) -> None:
    project = new_project(tmp_path / "my-api", releases.first, home)
    if change == "modified":
        (project / "README.md").write_text("work in progress\n")
    else:
        (project / "notes.txt").write_text("work in progress\n")
    status = git(project, "status", "--porcelain")
    with pytest.raises(UpdateError, match="uncommitted changes") as raised:
        update(project, releases.second, home)
    assert raised.value.exit_code == 1
    assert git(project, "status", "--porcelain") == status
    assert not (project / "CHANGELOG.md").exists()
    assert "v2.0.0" not in store.release_tags(home)  # refused before anything was written


def test_data_changes_an_answer(home: Path, releases: Releases, tmp_path: Path) -> None:
    project = new_project(tmp_path / "my-api", releases.first, home)
    config = project / "my_api" / "core" / "config.py"
    before = config.read_text()
    result = update(project, releases.first, home, data={"log_format": "json"})
    assert answers(project)["log_format"] == "json"
    assert answers(project)["_commit"] == "v1.0.0"  # same version, another answer
    assert result.files["my_api/core/config.py"] == FileStatus.MERGED
    changed = [
        (old, new)
        for old, new in zip(before.splitlines(), config.read_text().splitlines(), strict=True)
        if old != new
    ]
    assert [new for _, new in changed] == [
        old.replace('= "text"', '= "json"') for old, _ in changed
    ]
    assert len(changed) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"framework": "flask"}, "cannot change the framework"),
        ({"log_fromat": "json"}, "did you mean 'log_format'"),
        ({"log_format": "xml"}, "log_format must be one of"),
    ],
)
def test_bad_data_is_refused(
    data: dict[str, str],
    message: str,
    home: Path,
    releases: Releases,
    tmp_path: Path,
) -> None:
    project = new_project(tmp_path / "my-api", releases.first, home)
    with pytest.raises(UsageError, match=message):
        update(project, releases.first, home, data=data)
    assert git(project, "status", "--porcelain") == ""


def test_to_version_chooses_the_version(home: Path, releases: Releases, tmp_path: Path) -> None:
    project = new_project(tmp_path / "my-api", releases.first, home)
    store.add_release(releases.second, home)  # apigen 2.0.0 ran here once
    with pytest.raises(UpdateError, match=r"v3\.0\.0, is not in the template store") as raised:
        update(project, releases.first, home, to_version="3.0.0")
    assert raised.value.exit_code == 2
    result = update(project, releases.first, home, to_version="2.0.0")  # 1.0.0 is installed
    assert result.to_version == "v2.0.0"
    assert (project / "CHANGELOG.md").is_file()


def test_a_version_missing_from_the_store_is_explained(
    home: Path, releases: Releases, tmp_path: Path
) -> None:
    project = new_project(tmp_path / "my-api", releases.first, home)
    git(home, "tag", "--delete", "v1.0.0")  # a release this apigen's bundle does not carry
    with pytest.raises(UpdateError, match=r"template version, v1\.0\.0, is not a release"):
        update(project, releases.second, home)
    assert git(project, "status", "--porcelain") == ""


def test_a_project_of_a_development_build_elsewhere_is_refused_honestly(
    home: Path, releases: Releases, tmp_path: Path
) -> None:
    project = new_project(
        tmp_path / "my-api", Release(releases.first.source, "1.0.1.dev4+gabc1234"), home
    )
    assert answers(project)["_commit"] == "v1.0.1.dev4+gabc1234"
    elsewhere = tmp_path / "elsewhere" / "templates"  # a teammate's machine: a fresh store
    with pytest.raises(
        UpdateError, match=r"development build of apigen \(1\.0\.1\.dev4\+gabc1234\)"
    ):
        update(project, releases.second, elsewhere)
    answers_file = project / ".copier-answers.yml"
    answers_file.write_text(answers_file.read_text().replace("v1.0.1.dev4+gabc1234", "v3.0.0"))
    commit_all(project, "as if made by apigen 3.0.0")
    with pytest.raises(UpdateError, match=r"made by apigen 3\.0\.0, newer than this one"):
        update(project, releases.second, elsewhere)
    assert git(project, "status", "--porcelain") == ""


def test_a_project_outside_git_or_without_answers_is_refused(
    home: Path, releases: Releases, tmp_path: Path
) -> None:
    project = generate(tmp_path / "plain", {"framework": "fastapi"}, releases.first, home)
    with pytest.raises(UpdateError, match="not in a git repository"):
        update(project.destination, releases.first, home)
    with pytest.raises(UpdateError, match=r"has no \.copier-answers\.yml") as raised:
        update(tmp_path, releases.first, home)
    assert raised.value.exit_code == 2


# copier update


def copier(cwd: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Plain copier, with its cache of git mirrors in a scratch directory."""
    cache = {"COPIER_CACHE_DIR": str(cwd.parent / ".copier-cache")}  # outside the project
    return subprocess.run(
        [sys.executable, "-m", "copier", *arguments],
        cwd=cwd,
        env=os.environ | cache,
        capture_output=True,
        text=True,
        check=False,
    )


def test_copier_update_on_a_project_made_by_apigen(
    home: Path, releases: Releases, tmp_path: Path
) -> None:
    """From a stand-in for the public repository (a local bare one), as APIGEN_TEMPLATE_SOURCE
    names it: the project records it, and a plain copier update fetches from it."""
    standin = tmp_path / "apigen.git"
    project = new_project(tmp_path / "my-api", releases.first, home, template_source=str(standin))
    assert answers(project)["_src_path"] == standin.as_uri()
    edit_as_a_user(project)
    store.add_release(releases.second, home)  # apigen 2.0.0 released
    git(tmp_path, "clone", "--quiet", "--bare", str(home), str(standin))
    result = copier(project, "update", "--defaults")
    assert result.returncode == 0, result.stderr
    assert_updated_with_edits_kept(project)
    assert answers(project)["_src_path"] == standin.as_uri()


@pytest.mark.parametrize("updater", ["copier update", "apigen update"])
def test_a_project_made_by_copier_copy_from_a_template_repository_updates(
    updater: str, home: Path, releases: Releases, tmp_path: Path
) -> None:
    """The repository's layout and PEP 440 tags, as releases of apigen are tagged."""
    repository = copy_templates(tmp_path / "apigen")
    git(repository, "init", "--quiet")
    commit_all(repository, "apigen 1.0.0")
    git(repository, "tag", "v1.0.0")
    made = copier(
        tmp_path, "copy", "--defaults", "--data", "framework=fastapi", str(repository), "my-api"
    )
    assert made.returncode == 0, made.stderr
    project = tmp_path / "my-api"
    assert answers(project)["_commit"] == "v1.0.0"
    git(project, "init", "--quiet")
    commit_all(project, "Initial project from copier")
    edit_as_a_user(project)
    make_version_2(repository)
    commit_all(repository, "apigen 2.0.0")
    git(repository, "tag", "v2.0.0")
    if updater == "copier update":
        result = copier(project, "update", "--defaults")  # no --trust: no tasks, no migrations
        assert result.returncode == 0, result.stderr
    else:
        assert update(project, releases.first, home).exit_code == 0
    assert_updated_with_edits_kept(project)


def test_importing_the_command_line_does_not_import_copier() -> None:
    """`apigen --help` and `--version` must stay fast: only copier_api imports copier, lazily."""
    code = "import sys, apigen.cli; print('copier' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def project_files(project: Path) -> dict[str, str]:
    """Every file a project holds, but its secrets (.env) and git's own."""
    return {
        str(path.relative_to(project)): path.read_text()
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.parts and path.name != ".env"
    }


@pytest.mark.parametrize("framework", catalogue.frameworks())
@pytest.mark.parametrize(
    ("option", "off", "on"),
    [
        ("docker", "false", "true"),
        ("auth", "basic", "token"),
        ("database", "sqlite", "postgresql"),
        ("admin", "false", "true"),
    ],
)
def test_adding_an_option_later_equals_choosing_it_at_start(
    home: Path,
    releases: Releases,
    tmp_path: Path,
    framework: str,
    option: str,
    off: str,
    on: str,
) -> None:
    base = {"framework": framework, "project_name": "Later"}
    later = generate(tmp_path / "later" / "api", base | {option: off}, releases.first, home)
    init_project(later.destination, author=later.answers)
    result = update(later.destination, releases.first, home, data={option: on})
    assert result.conflicts == ()
    at_start = generate(tmp_path / "start" / "api", base | {option: on}, releases.first, home)
    assert project_files(later.destination) == project_files(at_start.destination)


def test_a_project_made_before_releases_updates_on_its_machine_then_names_the_public_source(
    home: Path, releases: Releases, tmp_path: Path
) -> None:
    """As apigen wrote answers files before releases: `_src_path` is the store of this machine."""
    project = new_project(tmp_path / "my-api", releases.first, home)
    answers_file = project / ".copier-answers.yml"
    answers_file.write_text(answers_file.read_text().replace(DEFAULT_SOURCE, str(home)))
    commit_all(project, "As made before releases")
    edit_as_a_user(project)
    result = update(project, releases.second, home)
    assert result.exit_code == 0
    assert_updated_with_edits_kept(project)
    assert answers(project)["_src_path"] == DEFAULT_SOURCE  # from now on, as every new project
    commit_all(project, "Update from apigen")
    answers_file.write_text(answers_file.read_text().replace(DEFAULT_SOURCE, str(home)))
    answers_file.write_text(answers_file.read_text().replace("v2.0.0", "v0.1.0+snapshot.7"))
    commit_all(project, "A tag this store never had")
    with pytest.raises(UpdateError, match="before its releases") as raised:
        update(project, releases.second, home)
    assert "docs/updating.md" in str(raised.value)
    assert git(project, "status", "--porcelain") == ""
