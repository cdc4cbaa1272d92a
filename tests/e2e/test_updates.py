"""End to end, issue 15: for every template, a project made at the earlier release (N), edited
as a user would, updated to HEAD released as N+1 (tests/test_release.py's `build_world`) two
ways: `apigen update` on a teammate's machine (a fresh HOME, no network, HEAD's wheel), and
plain `copier update` with git fetching the public repository from a local stand-in. Both give
the same files; the user's edits are kept, the deleted file stays deleted, and the project's
own `make lint` and `make test` pass. One project per template.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from apigen import catalogue, releases
from apigen.releases import DEFAULT_SOURCE

from ..test_release import (
    World,
    answers_of,
    apigen,
    build_world,
    commit_all,
    git,
    machine,
    made_at_the_earlier_release,
)
from .conftest import PROJECT_VARIABLES, STEP_TIMEOUT

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("release-updates")]

NEW_FILE = ("docs/decisions.md", "# Decisions\n\n- We keep our own notes beside the code.\n")
DELETED_FILE = ".dockerignore"
SETTING = ("LOG_LEVEL=", "LOG_LEVEL=WARNING")
ROUTES = {
    "fastapi": (
        """from fastapi import APIRouter

router = APIRouter()


@router.get("/ping")
async def ping() -> dict[str, str]:
    return {"ping": "pong"}
""",
        """from fastapi import FastAPI
from fastapi.testclient import TestClient

from {slug}.ping import router


def test_ping() -> None:
    app = FastAPI()
    app.include_router(router)
    assert TestClient(app).get("/ping").json() == {{"ping": "pong"}}
""",
    ),
    "flask": (
        """from flask import Blueprint

blueprint = Blueprint("ping", __name__)


@blueprint.get("/ping")
def ping() -> dict[str, str]:
    return {"ping": "pong"}
""",
        """from flask import Flask

from {slug}.ping import blueprint


def test_ping() -> None:
    app = Flask(__name__)
    app.register_blueprint(blueprint)
    assert app.test_client().get("/ping").get_json() == {{"ping": "pong"}}
""",
    ),
    "drf": (
        """from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response


@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def ping(request: Request) -> Response:
    return Response({"ping": "pong"})
""",
        """from rest_framework.test import APIRequestFactory

from {slug}.ping import ping


def test_ping() -> None:
    response = ping(APIRequestFactory().get("/ping"))
    assert response.data == {{"ping": "pong"}}
""",
    ),
}
ROUTES["hybrid"] = ROUTES["fastapi"]  # the hybrid's API is the FastAPI template's


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("release-world"))


def edit_as_a_user(project: Path, framework: str) -> dict[str, str]:
    """A new route with its test, a settings value, a new file, a deleted file; committed.
    Returns the files as the user left them."""
    slug = str(answers_of(project)["project_slug"])
    module, test = ROUTES[framework]
    edits = {f"{slug}/ping.py": module, "tests/test_ping.py": test.format(slug=slug)}
    edits[NEW_FILE[0]] = NEW_FILE[1]
    settings = project / ".env.example"
    if settings.is_file():
        lines = settings.read_text().splitlines(keepends=True)
        changed = [SETTING[1] + "\n" if line.startswith(SETTING[0]) else line for line in lines]
        if changed == lines:
            changed.append(SETTING[1] + "\n")
        edits[".env.example"] = "".join(changed)
    for name, text in edits.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    (project / DELETED_FILE).unlink()
    commit_all(project, "Our own changes")
    return edits


def project_files(project: Path) -> dict[str, bytes]:
    """Every file but git's own and .env (ignored by git: an update of a fresh clone writes one
    with a secret of its own)."""
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts and path.name != ".env"
    }


def make(project: Path, target: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        ["make", target],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"make {target}:\n{result.stdout}\n{result.stderr}"


def frameworks_of_the_earlier_release() -> tuple[str, ...]:
    """The templates the last release offered. One added since has no project of that release
    to update; tests/test_update.py updates every template between two versions of its own."""
    repository = catalogue.CHECKOUT_SOURCE
    history = releases.history(repository)
    if not history:  # before the first release, the world releases HEAD as the earlier one
        return catalogue.frameworks()
    root = git(repository, "show", f"{history[-1].commit}:copier.yml")
    choices = next(yaml.safe_load_all(root))["framework"]["choices"]
    return tuple(choices.values() if isinstance(choices, dict) else choices)


@pytest.mark.parametrize("framework", frameworks_of_the_earlier_release())
def test_a_project_of_the_earlier_release_updates_to_head(
    world: World, framework: str, tmp_path: Path
) -> None:
    # Machine A, release N.
    made = made_at_the_earlier_release(
        world, tmp_path / "a" / "api", framework, tmp_path / "a"
    ).destination
    assert DELETED_FILE in project_files(made)
    edits = edit_as_a_user(made, framework)
    # Machine B: `apigen update`, fresh HOME, no network.
    env = machine(tmp_path / "b" / "home", world)
    updated = tmp_path / "b" / "api"
    git(tmp_path, "clone", "--quiet", str(made), str(updated))
    result = apigen(updated, env, "update")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "unchanged file(s)" in result.stdout
    assert answers_of(updated)["_commit"] == world.later.tag
    assert answers_of(updated)["_src_path"] == DEFAULT_SOURCE
    # Plain copier: the public repository is the stand-in (git's insteadOf), and no network.
    copied = tmp_path / "c" / "api"
    git(tmp_path, "clone", "--quiet", str(made), str(copied))
    copier_env = env | {
        "HOME": str(tmp_path / "c"),
        "COPIER_CACHE_DIR": str(tmp_path / "c" / "copier-cache"),
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_1": f"url.{world.standin}.insteadOf",
        "GIT_CONFIG_VALUE_1": f"{DEFAULT_SOURCE}.git",
    }
    plain = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults"],
        cwd=copied,
        env=copier_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=STEP_TIMEOUT,
    )
    assert plain.returncode == 0, plain.stderr
    assert answers_of(copied)["_commit"] == world.later.tag
    files = project_files(updated)
    assert files == project_files(copied)  # both ways give the same project
    for name, text in edits.items():
        if name == ".env.example":  # the template may change other lines of it meanwhile
            assert SETTING[1].encode() in files[name].splitlines(), "the setting was not kept"
        else:
            assert files[name] == text.encode(), f"{name}: the user's edit was not kept"
    assert DELETED_FILE not in files
    assert not [name for name in files if name.endswith(".rej")]
    assert apigen(updated, env, "check").returncode == 0
    workflow = yaml.safe_load(files[".github/workflows/ci.yml"])
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    check = next(step for step in steps if "apigen check" in step.get("run", ""))
    assert "continue-on-error" not in check  # visible: a warning annotation, or a failed job
    assert "::warning" in check["run"]
    # The project's own checks, with the .env (ignored by git) the teammate would have.
    shutil.copy2(made / ".env", updated / ".env")
    project_env = {k: v for k, v in os.environ.items() if k not in PROJECT_VARIABLES}
    project_env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{project_env['PATH']}"  # uv
    for target in ("install", "lint", "test"):
        make(updated, target, project_env)
