"""`apigen add resource` end to end (issue 16, CI): a generated project gets two resources, one
with every field type and one `--owned`; then `make lint`, `make test`, `make migrate`,
`make serve`, both resources over real HTTP as the admin and as ordinary accounts (schemathesis
included), and an update to a newer template version (changed in the test) without conflict,
after which the tests still pass.

One project per template, built once for the module: the steps run in order on it."""

import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from apigen import generation
from apigen.git import init_project
from apigen.resource import add_resource
from apigen.update import update_project

from ..repositories import commit_all, copy_release
from ..test_resource import EVERY_TYPE
from .conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PROJECT_VARIABLES,
    GeneratedProject,
    LiveServer,
    start_server,
)
from .matrix import ProjectSpec
from .schemathesis_run import run_schemathesis

pytestmark = pytest.mark.e2e

FRAMEWORKS = ["fastapi", "flask", "drf"]

NEW_PRODUCT = {
    "name": "Teapot",
    "description": "Short and stout",
    "stock": 3,
    "weight": 0.75,
    "price": "19.99",
    "in_stock": True,
    "released": "2024-05-17",
    "available_from": "2024-05-17T10:30:00Z",
    "contact": "Sales@Example.com",
}
PATHS = "^/(products|notes)"  # the resources' operations only


@dataclass(frozen=True)
class Shop:
    project: GeneratedProject
    server: LiveServer
    home: Path
    base: Path


# One xdist group per framework: its shop is built once, on one worker, for all its tests.
@pytest.fixture(
    scope="module",
    params=[
        pytest.param(name, marks=pytest.mark.xdist_group(f"resource-{name}")) for name in FRAMEWORKS
    ],
)
def shop(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shop]:
    """`apigen new shop`, committed; `product` with every type and `note --owned` added and
    committed; installed, linted, tested, migrated, an admin made, and served."""
    framework: str = request.param
    base = tmp_path_factory.mktemp(f"resource-{framework}")
    home = base / "apigen-home" / "templates"
    release = copy_release(base / "1.0.0", "1.0.0")
    generated = generation.generate(
        base / "shop", {"framework": framework}, release=release, template_store=home, defaults=True
    )
    path = generated.destination
    init_project(path, author=generated.answers)
    add_resource(path, "product", EVERY_TYPE, release=release, template_store=home)
    commit_all(path, "Products")
    note = ["title:str", "body:text?"]
    add_resource(path, "note", note, owned=True, release=release, template_store=home)
    commit_all(path, "Notes")
    env = {key: value for key, value in os.environ.items() if key not in PROJECT_VARIABLES}
    spec = ProjectSpec(framework, {"database": "sqlite", "auth": "basic"}, served=True)
    project = GeneratedProject(spec=spec, path=path, env=env, files=())
    for target in ("install", "lint", "test", "migrate"):
        project.make(target)
    project.make("createuser", f"EMAIL={ADMIN_EMAIL}", f"PASSWORD={ADMIN_PASSWORD}")
    process, base_url = start_server(project, base / "serve.log")
    server = LiveServer(base_url, ADMIN_EMAIL, ADMIN_PASSWORD, scheme="basic")
    try:
        yield Shop(project, server, home, base)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_the_admin_manages_products_and_ordinary_accounts_read_them(shop: Shop) -> None:
    server = shop.server
    ordinary = server.new_ordinary_account()
    with server.client() as admin, server.client_as(ordinary) as reader:
        response = admin.post("/products", json=NEW_PRODUCT)
        assert response.status_code == 201, response.text
        product = response.json()
        assert (product["contact"], product["price"]) == ("sales@example.com", "19.99")
        assert admin.get(response.headers["Location"]).json() == product
        assert product in reader.get("/products").json()
        assert reader.get(f"/products/{product['id']}").json() == product
        refused = reader.post("/products", json=NEW_PRODUCT)
        assert (refused.status_code, refused.json()) == (
            403,
            {"detail": "Only admins can change products"},
        )
        assert reader.patch(f"/products/{product['id']}", json={"stock": 0}).status_code == 403
        changed = admin.patch(f"/products/{product['id']}", json={"stock": 0, "notes": "Sold"})
        assert changed.json()["stock"] == 0
        assert admin.get("/products", params={"limit": 101}).status_code == 422
        assert admin.delete(f"/products/{product['id']}").status_code == 204
        assert admin.get(f"/products/{product['id']}").status_code == 404
    with httpx.Client(base_url=server.base_url) as anonymous:
        assert anonymous.get("/products").status_code == 401


def test_owned_notes_are_seen_by_their_owner_and_the_admin_only(shop: Shop) -> None:
    server = shop.server
    alice, mallory = server.new_ordinary_account(), server.new_ordinary_account()
    with (
        server.client() as admin,
        server.client_as(alice) as as_alice,
        server.client_as(mallory) as as_mallory,
    ):
        note = as_alice.post("/notes", json={"title": "Mine"}).json()
        assert note["owner_id"] == alice.id
        assert as_alice.get("/notes").json() == [note]
        assert note not in as_mallory.get("/notes").json()
        for method in ("GET", "PATCH", "DELETE"):
            response = as_mallory.request(method, f"/notes/{note['id']}", json={})
            assert (response.status_code, response.json()) == (404, {"detail": "Note not found"})
        assert note in admin.get("/notes").json()
        assert admin.patch(f"/notes/{note['id']}", json={"body": "Seen"}).status_code == 200
        assert as_alice.delete(f"/notes/{note['id']}").status_code == 204


@pytest.mark.parametrize("who", ["admin", "ordinary"])
def test_schemathesis_finds_nothing_in_the_resources(shop: Shop, who: str, tmp_path: Path) -> None:
    server = shop.server
    account = server.new_ordinary_account()
    credentials = (
        server.credentials(server.email, server.password)
        if who == "admin"
        else server.credentials(account.email, account.password)
    )
    run_schemathesis(server.base_url, credentials, tmp_path, "--include-path-regex", PATHS)


def test_an_update_to_a_newer_template_version_merges_without_conflict(shop: Shop) -> None:
    """Last: it changes the project. A newer apigen changes the users' routes and the README;
    the project and both resources update cleanly and the tests still pass."""
    path = shop.project.path
    commit_all(path, "Lock file and admin")  # make install wrote uv.lock
    second = copy_release(shop.base / "2.0.0", "2.0.0")
    template = second.source / "templates" / shop.project.spec.framework / "template"
    readme = template / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nA line from apigen 2.0.0.\n")
    result = update_project(path, release=second, template_store=shop.home)
    assert result.conflicts == ()
    assert "A line from apigen 2.0.0." in (path / "README.md").read_text()
    leftovers = [
        str(file)
        for file in path.rglob("*")
        if file.is_file()
        and ".venv" not in file.parts
        and ".git" not in file.parts
        and (file.suffix == ".rej" or b"<<<<<<< before updating" in file.read_bytes())
    ]
    assert leftovers == []
    shop.project.make("test")
