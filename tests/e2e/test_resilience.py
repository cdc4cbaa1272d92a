"""Served projects hold up: a property-based run against their OpenAPI schema finds no
undocumented answer and no server error, and a bounded load finds no error at all."""

import dataclasses
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .background import stop
from .conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    SERVED_PROJECTS,
    GeneratedProject,
    LiveServer,
    recreate_database,
    start_server,
)
from .schemathesis_run import run_schemathesis

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("project", SERVED_PROJECTS, indirect=True)]


def _schemathesis(base_url: str, headers: dict[str, str], cwd: Path, account_id: int) -> str:
    # Deleting the account that runs the checks, or changing its email or password, would
    # leave nothing but 401s to test; the contract and authorization suites cover those.
    output = run_schemathesis(
        base_url, headers, cwd, "--exclude-method", "DELETE", account_id=account_id
    )
    assert re.search(r"Stateful \(in", output), output[-2000:]
    return output


def _cases(output: str) -> str:
    cases = re.search(r"(\d+) generated, \1 passed", output)
    assert cases, output[-2000:]
    return cases.group(0)


def test_schemathesis_as_an_ordinary_account_cannot_break_the_admin(
    live_server: LiveServer, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    """Finding 1 of issue 13: schemathesis, logged in as anyone, overwrote other accounts."""
    with live_server.client() as admin:
        before = admin.get("/users", params={"limit": 1}).json()
    account = live_server.new_ordinary_account()
    output = _schemathesis(
        live_server.base_url,
        live_server.credentials(account.email, account.password),
        tmp_path,
        account.id,
    )
    with live_server.client_as(account) as own:  # it ran logged in to the end
        assert own.get("/secure").status_code == 200
    with live_server.client() as admin:  # the admin's password still works, its record is intact
        assert admin.get("/secure").status_code == 200
        assert admin.get("/users", params={"limit": 1}).json() == before
    record_property(
        "figures", f"schemathesis --checks all, as an ordinary account: {_cases(output)}"
    )


@contextmanager
def _served_apart(project: GeneratedProject, cwd: Path) -> Iterator[str]:
    """The project under a second `make serve`, on a database of its own with the same admin:
    what an admin's fuzzing changes there (the admin's own password too) reaches no other test.
    Its base URL. A PostgreSQL database goes with the others when the session ends."""
    postgresql = project.spec.answers["database"] == "postgresql"
    name = f"apigen_apart_{uuid.uuid4().hex[:12]}"
    url = recreate_database(name) if postgresql else f"sqlite:///{cwd / 'apart.db'}"
    apart = dataclasses.replace(project, env=project.env | {"DATABASE_URL": url})
    apart.make("migrate")
    apart.make("createuser", f"EMAIL={ADMIN_EMAIL}", f"PASSWORD={ADMIN_PASSWORD}")
    process, base_url = start_server(apart, cwd / "serve-apart.log")
    try:
        yield base_url
    finally:
        stop(process)


def test_schemathesis_finds_nothing_as_the_admin(
    project: GeneratedProject,
    live_server: LiveServer,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    with _served_apart(project, tmp_path) as base_url:
        apart = dataclasses.replace(live_server, base_url=base_url)  # a token from there, too
        with apart.client() as admin:  # the first account there
            admin_id = admin.get("/users", params={"limit": 1}).json()[0]["id"]
        headers = apart.credentials(apart.email, apart.password)
        output = _schemathesis(base_url, headers, tmp_path, admin_id)
        with apart.client() as admin:  # it ran logged in to the end
            assert admin.get("/secure").status_code == 200
    record_property("figures", f"schemathesis --checks all, as the admin: {_cases(output)}")


def test_load_on_loopback_has_no_errors(
    live_server: LiveServer, record_property: Callable[[str, object], None]
) -> None:
    wrk = shutil.which("wrk")
    if wrk is None:
        pytest.fail("wrk is needed for the load test: apt-get install wrk")
    result = subprocess.run(
        [
            wrk,
            "--threads",
            "2",
            "--connections",
            "64",
            "--duration",
            "10s",
            "--timeout",
            "5s",
            f"{live_server.base_url}/health",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    requests = int(re.search(r"(\d+) requests in", result.stdout).group(1))  # type: ignore[union-attr]
    assert requests > 0
    assert "Non-2xx or 3xx responses" not in result.stdout, result.stdout
    assert "Socket errors" not in result.stdout, result.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    per_second = rate.group(1) if rate else "?"
    record_property(
        "figures", f"wrk, 64 connections, 10 s: {requests} requests ({per_second}/s), no errors"
    )
