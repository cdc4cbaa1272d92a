"""The hybrid stack over real HTTP: each served hybrid project under `make serve`, which runs both
servers (production settings): the API on PORT, the Django admin on ADMIN_PORT.

An account created in the Django admin calls the API's /secure and gets 200; a user created
through the API appears in the Django admin; and, in an unserved hybrid project, a migration
Django makes is seen by the API's side: its own test of the mappings fails until models.py
maps the new column, then passes."""

import re
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD, STEP_TIMEOUT, GeneratedProject, LiveServer
from .html_forms import Browser
from .matrix import project_specs

SERVED_HYBRIDS = [
    pytest.param(spec, id=spec.id)
    for spec in project_specs()
    if spec.framework == "hybrid" and spec.served
]
UNSERVED_HYBRID = [
    pytest.param(spec, id=spec.id)
    for spec in project_specs()
    if spec.framework == "hybrid" and not spec.served and spec.answers["database"] == "sqlite"
]
assert SERVED_HYBRIDS, "the matrix needs served hybrid projects (matrix.py)"
assert UNSERVED_HYBRID, "the matrix needs an unserved SQLite hybrid project (matrix.py)"
REDIRECT = (302, 303)

pytestmark = pytest.mark.e2e


@pytest.fixture
def admin(live_server: LiveServer) -> Iterator[Browser]:
    """The Django admin, signed in as the account `make createuser` made."""
    browser = Browser(live_server.admin_url)
    page = browser.get("/admin/login/")
    assert page.status_code == 200, page.text[:500]
    signed_in = browser.submit(
        "/admin/login/", "username", {"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert signed_in.status_code in REDIRECT, signed_in.text[:2000]
    assert signed_in.headers["location"] == "/admin/"
    yield browser
    browser.close()


@pytest.mark.parametrize("project", SERVED_HYBRIDS, indirect=True)
def test_an_account_created_in_the_django_admin_calls_the_api(
    live_server: LiveServer, admin: Browser
) -> None:
    email = f"made-in-admin-{uuid.uuid4().hex[:8]}@example.com"
    password = "a password typed into the admin"
    added = admin.submit(
        "/admin/users/user/add/",
        "password1",
        {"email": email, "name": "Made In Admin", "password1": password, "password2": password},
    )
    assert added.status_code in REDIRECT, added.text[:3000]
    with live_server.client_as_credentials(email, password) as api:
        response = api.get("/secure")
    assert response.status_code == 200, response.text
    assert response.json() == {"message": f"Hello, {email}"}


@pytest.mark.parametrize("project", SERVED_HYBRIDS, indirect=True)
def test_a_user_created_through_the_api_appears_in_the_django_admin(
    live_server: LiveServer, admin: Browser
) -> None:
    account = live_server.new_ordinary_account()
    listed = admin.get(f"/admin/users/user/?q={account.email}")
    assert listed.status_code == 200
    assert account.email in listed.text
    change = admin.get(f"/admin/users/user/{account.id}/change/")
    assert change.status_code == 200
    assert re.search(rf'name="email"[^>]*value="{re.escape(account.email)}"', change.text)


def _run(project: GeneratedProject, *command: str) -> subprocess.CompletedProcess[str]:
    """A command in the project's environment (what `uv run` would do, without syncing)."""
    return subprocess.run(
        [str(project.path / ".venv" / "bin" / "python"), *command],
        cwd=project.path,
        env=project.env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )


@pytest.mark.parametrize("project", UNSERVED_HYBRID, indirect=True)
def test_a_migration_django_makes_is_seen_by_the_api(project: GeneratedProject) -> None:
    slug = project.spec.id.replace("-", "_")
    django_model = project.path / slug / "users" / "models.py"
    api_model = project.path / slug / "models.py"
    migration = project.path / slug / "users" / "migrations" / "0002_user_nickname.py"
    originals = {path: path.read_text() for path in (django_model, api_model)}
    fit = ("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_django.py", "-k", "fit")
    try:
        django_model.write_text(
            originals[django_model].replace(
                "    is_active = models.BooleanField(default=True)\n",
                "    is_active = models.BooleanField(default=True)\n"
                '    nickname = models.CharField(max_length=40, default="", blank=True)\n',
            )
        )
        made = _run(project, "manage.py", "makemigrations", "users", "--name", "user_nickname")
        assert made.returncode == 0, made.stdout + made.stderr
        assert migration.is_file(), made.stdout
        unseen = _run(project, *fit)
        assert unseen.returncode == 1, unseen.stdout + unseen.stderr
        assert "columns Django requires that the API does not write" in unseen.stdout
        assert "nickname" in unseen.stdout
        api_model.write_text(
            originals[api_model].replace(
                "    is_active: Mapped[bool]",
                '    nickname: Mapped[str] = mapped_column(String(40), default="")\n'
                "    is_active: Mapped[bool]",
            )
        )
        seen = _run(project, *fit)
        assert seen.returncode == 0, seen.stdout + seen.stderr
    finally:
        for path, text in originals.items():
            path.write_text(text)
        migration.unlink(missing_ok=True)
