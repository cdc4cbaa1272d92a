"""End to end, as a user would: `apigen new`, the project's own make targets, then HTTP.

Each project of the matrix (matrix.py) is generated and installed once per test session;
the served ones are migrated, given an account and run under `make serve` on a free port, and
the contract suite (test_contract.py) checks them over real HTTP. PostgreSQL projects use the
real server at 127.0.0.1:5432, in a database of their own.
"""

import base64
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql

from .matrix import ProjectSpec, project_specs
from .proxy import DatabaseProxy
from .redis_db import fresh_redis_db

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "a long admin password"
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
# Served PostgreSQL projects reach the server through a proxy that tests can cut (an outage).
DATABASE_PROXIES: dict[str, DatabaseProxy] = {}
# The PostgreSQL databases this session made, dropped when it ends.
CREATED_DATABASES: set[str] = set()
# Variables a developer's shell may set that would change what the generated project does.
PROJECT_VARIABLES = (
    "DATABASE_URL",
    "ENVIRONMENT",
    "SECRET_KEY",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "REDIS_URL",
)
# tasks=true projects need Redis in production (their broker): a db of their own per framework
# (test_tasks.py and test_replicas.py use 8 to 13).
TASKS_REDIS_DBS = {"fastapi": 1, "flask": 2, "drf": 3, "hybrid": 4}
STEP_TIMEOUT = 900
# `make serve` runs the production configuration; these checks need its docs (the schema) and
# its admin panel (admin=true; test_admin.py), and send thousands of requests, some with wrong
# passwords, from one client address.
SERVE_VARIABLES = {
    "DOCS_ENABLED": "true",
    "ADMIN_ENABLED": "true",
    "RATE_LIMIT": "1000000/minute",
    "FAILED_LOGIN_LIMIT": "1000000/minute",
}


def _spec_params(specs: list[ProjectSpec]) -> list[object]:
    return [pytest.param(spec, id=spec.id) for spec in specs]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One xdist group per project, so its tests run on the worker that built it."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        spec = callspec.params.get("project") if callspec else None
        if isinstance(spec, ProjectSpec):
            item.add_marker(pytest.mark.xdist_group(spec.id))


ALL_PROJECTS = _spec_params(project_specs())
SERVED_PROJECTS = _spec_params([spec for spec in project_specs() if spec.served])
SERVED_POSTGRESQL_PROJECTS = _spec_params(
    [spec for spec in project_specs() if spec.served and spec.answers["database"] == "postgresql"]
)
SERVED_TOKEN_PROJECTS = _spec_params(
    [spec for spec in project_specs() if spec.served and spec.answers["auth"] == "token"]
)


@dataclass(frozen=True)
class GeneratedProject:
    spec: ProjectSpec
    path: Path
    env: dict[str, str]
    files: tuple[Path, ...]  # as generated, before anything ran in the project

    def make(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        """Run a make target; fail the test with the target's output if it fails."""
        result = subprocess.run(
            ["make", *arguments],
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"make {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
        return result


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    email: str
    password: str
    scheme: str  # "basic" or "bearer", as WWW-Authenticate names it
    admin_url: str = ""  # the hybrid's Django admin server (ADMIN_PORT); others have none

    def token(self, email: str, password: str) -> str:
        response = httpx.post(
            f"{self.base_url}/token", data={"username": email, "password": password}, timeout=30
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def credentials(self, email: str, password: str) -> dict[str, str]:
        """Headers that authenticate as this account, in the project's scheme."""
        if self.scheme == "bearer":
            return {"Authorization": f"Bearer {self.token(email, password)}"}
        basic = base64.b64encode(f"{email}:{password}".encode()).decode()
        return {"Authorization": f"Basic {basic}"}

    def client(self, *, authenticated: bool = True) -> httpx.Client:
        headers = self.credentials(self.email, self.password) if authenticated else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def client_as(self, account: "Account") -> httpx.Client:
        return self.client_as_credentials(account.email, account.password)

    def client_as_credentials(self, email: str, password: str) -> httpx.Client:
        headers = self.credentials(email, password)
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def new_ordinary_account(self) -> "Account":
        """An ordinary account, created by the admin through `POST /users`."""
        email = f"ordinary-{uuid.uuid4().hex[:12]}@example.com"
        password = "an ordinary long password"
        with self.client() as admin:
            response = admin.post(
                "/users", json={"name": "Ordinary", "email": email, "password": password}
            )
        assert response.status_code == 201, response.text
        return Account(id=response.json()["id"], email=email, password=password)


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    password: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def drop_databases(names: Iterable[str]) -> None:
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        for database in names:
            statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            connection.execute(statement.format(sql.Identifier(database)))


def recreate_database(name: str) -> str:
    """An empty database `name`; it and the project's `<name>_test` go when the session ends."""
    databases = (name, f"{name}_test")
    drop_databases(databases)
    CREATED_DATABASES.update(databases)
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{POSTGRES_SERVER}/{name}"


@pytest.fixture(scope="session", autouse=True)
def _drop_created_databases() -> Iterator[None]:
    """Set up first, so torn down last: after every server that used the databases stopped."""
    yield
    if CREATED_DATABASES:
        drop_databases(CREATED_DATABASES)


def _generate(spec: ProjectSpec, root: Path) -> GeneratedProject:
    path = root / spec.id
    data = [f"--data={key}={value}" for key, value in spec.answers.items()]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "apigen",
            "new",
            str(path),
            "--defaults",
            "--no-git",
            f"--data=framework={spec.framework}",
            f"--data=project_name={spec.id}",
            *data,
        ],
        check=True,
        capture_output=True,
    )
    env = {key: value for key, value in os.environ.items() if key not in PROJECT_VARIABLES}
    if spec.answers["database"] == "postgresql":
        unique = f"apigen_{spec.id.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
        env["DATABASE_URL"] = recreate_database(unique)
        if spec.served:
            proxy = DatabaseProxy(upstream=("127.0.0.1", 5432), port=_free_port())
            proxy.start()
            DATABASE_PROXIES[spec.id] = proxy
            env["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:{proxy.port}/{unique}"
    if spec.answers.get("tasks") == "true" and spec.framework in TASKS_REDIS_DBS:
        env["REDIS_URL"] = fresh_redis_db(TASKS_REDIS_DBS[spec.framework])
    files = tuple(p for p in path.rglob("*") if p.is_file())
    return GeneratedProject(spec=spec, path=path, env=env, files=files)


@pytest.fixture(scope="session")
def projects() -> dict[str, GeneratedProject]:
    """Generated and installed projects, built on first use and kept for the session."""
    return {}


@pytest.fixture
def project(
    request: pytest.FixtureRequest,
    projects: dict[str, GeneratedProject],
    tmp_path_factory: pytest.TempPathFactory,
) -> GeneratedProject:
    spec: ProjectSpec = request.param
    if spec.id not in projects:
        generated = _generate(spec, tmp_path_factory.mktemp("projects"))
        generated.make("install")
        projects[spec.id] = generated
    return projects[spec.id]


def wait_until_up(
    url: str, server: subprocess.Popen[bytes], log: Path, what: str = "the server"
) -> None:
    """Until `url` answers 200; fail with `what`'s log if it exits or stays silent for 90 s."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"{what} exited with {server.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"{what} did not answer {url} within 90 s:\n{log.read_text()}")


@dataclass
class Servers:
    """The servers started so far, by project id; all stopped when the session ends."""

    running: dict[str, LiveServer]
    processes: list[subprocess.Popen[bytes]]
    failed: dict[str, str] = field(default_factory=dict)  # project id -> why it did not start


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    started = Servers(running={}, processes=[])
    yield started
    for process in started.processes:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_server(
    project: GeneratedProject, log: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """`make serve` on a free port in a process group of its own; its base URL once it answers.
    `env` adds or overrides settings (REDIS_URL, RATE_LIMIT, ...)."""
    port = _free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["make", "serve"],
            cwd=project.path,
            env=project.env
            | SERVE_VARIABLES
            | {"ADMIN_PORT": str(_free_port())}  # the hybrid's Django admin
            | (env or {})
            | {"HOST": "127.0.0.1", "PORT": str(port)},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so the whole process group (make, server, workers) stops
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base_url}/health", process, log)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):  # the group may have ended already
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    return process, base_url


@pytest.fixture
def live_server(project: GeneratedProject, servers: Servers) -> LiveServer:
    """`make migrate`, `make createuser`, then `make serve` on a free port, once per project."""
    if project.spec.id in servers.running:
        return servers.running[project.spec.id]
    if project.spec.id in servers.failed:  # one failure, reported once per test, not repeated
        pytest.fail(f"the served project could not start: {servers.failed[project.spec.id]}")
    servers.failed[project.spec.id] = "see the first test that used it"
    project.make("migrate")
    project.make("createuser", f"EMAIL={ADMIN_EMAIL}", f"PASSWORD={ADMIN_PASSWORD}")
    admin_port = _free_port()
    env = {"ADMIN_PORT": str(admin_port)}
    process, base_url = start_server(project, project.path / "serve.log", env)
    del servers.failed[project.spec.id]
    servers.processes.append(process)
    scheme = "bearer" if project.spec.answers["auth"] == "token" else "basic"
    server = LiveServer(
        base_url=base_url,
        email=ADMIN_EMAIL,
        password=ADMIN_PASSWORD,
        scheme=scheme,
        admin_url=f"http://127.0.0.1:{admin_port}",
    )
    servers.running[project.spec.id] = server
    return server
