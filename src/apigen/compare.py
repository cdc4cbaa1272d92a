"""`apigen compare`: the same service in each framework, measured side by side on this machine.

Each framework's project is generated with the same answers, installed, migrated and seeded,
then served by its production server (`make serve`). All of them run at once and are loaded in
alternation, round after round, so a busy neighbour slows them alike; the medians are reported.
Everything started is stopped, also on Ctrl-C, and the scratch directory is removed unless
the caller keeps it.
"""

import base64
import csv
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from .errors import ApigenError, UsageError
from .install import Progress, Step, run_step

ADMIN_EMAIL = "compare@example.com"
ADMIN_PASSWORD = "a long compare password"  # noqa: S105 - a throwaway local account
SEEDED_USERS = 10
# Run by a project's own Python, with its own PostgreSQL driver (apigen has none): drops the
# database DATABASE_URL names, from the server's `postgres` database, as `make migrate` made it.
DROP_DATABASE = """
import asyncio, os
from urllib.parse import urlsplit, urlunsplit
url = urlsplit(os.environ["DATABASE_URL"])
server = urlunsplit(url._replace(path="/postgres"))
name = url.path.strip("/").replace('"', '""')
statement = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
try:
    import psycopg
except ImportError:  # FastAPI projects reach PostgreSQL through asyncpg alone
    import asyncpg
    async def drop():
        connection = await asyncpg.connect(server, timeout=10)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()
    asyncio.run(drop())
else:
    with psycopg.connect(server, autocommit=True, connect_timeout=10) as connection:
        connection.execute(statement)
"""
# The service's protections are for clients; the load tool is one client sending thousands.
SERVE_VARIABLES = {
    "RATE_LIMIT": "1000000000/minute",
    "FAILED_LOGIN_LIMIT": "1000000000/minute",
}


class CompareError(ApigenError):
    """A project could not be prepared or served, or the load tool failed."""


@dataclass(frozen=True)
class Load:
    """One kind of request the services answer under load."""

    name: str
    method: str
    path: str
    authenticated: bool
    body: str | None = None


LOADS = (
    Load("health", "GET", "/health", authenticated=False),
    Load("read", "GET", "/users?limit=10", authenticated=True),
    Load("write", "PATCH", "/users/{admin_id}", authenticated=True, body='{"name": "Compared"}'),
)


@dataclass(frozen=True)
class Measurement:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass(frozen=True)
class Settings:
    frameworks: tuple[str, ...]
    answers: dict[str, str]
    database_url: str | None
    seconds: int = 5
    rounds: int = 3
    connections: int = 32
    workers: int = 2


class LoadTool(Protocol):
    name: str

    def measure(
        self, url: str, load: Load, headers: dict[str, str], seconds: int, connections: int
    ) -> Measurement: ...


@dataclass
class Contender:
    """One framework's project while it is being measured."""

    framework: str
    project: Path
    database_url: str | None = None  # a PostgreSQL database of its own, for this run only
    base_url: str = ""
    group: int = 0
    admin_id: int = 0
    startup_seconds: float = 0.0
    measurements: dict[str, list[Measurement]] = field(default_factory=dict)
    rss_mib: list[float] = field(default_factory=list)

    def median(self, load: str) -> Measurement:
        rounds = self.measurements[load]
        return Measurement(
            requests_per_second=statistics.median(m.requests_per_second for m in rounds),
            p50_ms=statistics.median(m.p50_ms for m in rounds),
            p99_ms=statistics.median(m.p99_ms for m in rounds),
            errors=sum(m.errors for m in rounds),
        )


@dataclass(frozen=True)
class Row:
    framework: str
    loads: dict[str, Measurement]
    rss_mib_per_worker: list[float]
    startup_seconds: float
    installed_mib: float
    lines_of_code: int


@dataclass(frozen=True)
class Report:
    load_tool: str
    settings: Settings
    rows: list[Row]
    leftover_databases: list[str] = field(default_factory=list)  # a drop that failed

    def as_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    def as_table(self) -> str:
        lines = [
            f"{'framework':<10}{'request':<8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        ]
        for row in self.rows:
            for name, measured in row.loads.items():
                lines.append(
                    f"{row.framework:<10}{name:<8}{measured.requests_per_second:>9.0f}"
                    f"{measured.p50_ms:>9.1f}{measured.p99_ms:>9.1f}{measured.errors:>8}"
                )
        lines += [
            "",
            f"{'framework':<10}{'RSS/worker MiB':>16}{'start-up s':>12}{'installed MiB':>15}"
            f"{'lines of code':>15}",
        ]
        for row in self.rows:
            rss = "/".join(f"{size:.0f}" for size in row.rss_mib_per_worker) or "?"
            lines.append(
                f"{row.framework:<10}{rss:>16}{row.startup_seconds:>12.1f}"
                f"{row.installed_mib:>15.0f}{row.lines_of_code:>15}"
            )
        return "\n".join(lines)


def compare(
    settings: Settings,
    *,
    generate: Callable[[str, Path], None],
    load_tool: LoadTool,
    progress: Progress,
    scratch: Path,
) -> Report:
    """Prepare, serve and measure every framework of `settings` in `scratch`.

    `generate(framework, destination)` renders that framework's project with the settings'
    answers; the caller decides where it comes from (apigen's own templates).
    """
    run = secrets.token_hex(3)  # names this run's databases: no later run meets them
    leftovers: list[str] = []
    with ExitStack() as running:
        contenders = []
        for framework in settings.frameworks:
            contender = Contender(framework, scratch / f"compare-{framework}")
            if settings.database_url:
                contender.database_url = database_for(settings.database_url, framework, run)
                running.callback(drop_database, contender, leftovers)
            progress(f"{framework}: generating")
            generate(framework, contender.project)
            _prepare(contender, settings, progress)
            running.enter_context(_serving(contender, settings, progress))
            contenders.append(contender)
        for round_number in range(1, settings.rounds + 1):
            for load in LOADS:
                for contender in contenders:
                    progress(
                        f"round {round_number} of {settings.rounds}: {contender.framework} "
                        f"{load.name} ({settings.seconds} s with {load_tool.name})"
                    )
                    measured = _measure(contender, load, load_tool, settings)
                    contender.measurements.setdefault(load.name, []).append(measured)
        for contender in contenders:
            contender.rss_mib = worker_rss_mib(contender.group, settings.workers)
    rows = [
        Row(
            framework=contender.framework,
            loads={load.name: contender.median(load.name) for load in LOADS},
            rss_mib_per_worker=contender.rss_mib,
            startup_seconds=contender.startup_seconds,
            installed_mib=_size_mib(contender.project / ".venv"),
            lines_of_code=_lines_of_code(contender.project),
        )
        for contender in contenders
    ]
    return Report(
        load_tool=load_tool.name, settings=settings, rows=rows, leftover_databases=leftovers
    )


def _prepare(contender: Contender, settings: Settings, progress: Progress) -> None:
    env = _project_env(contender)
    steps = [
        Step(f"{contender.framework}: installing (make install)", ("make", "install")),
        Step(f"{contender.framework}: migrating (make migrate)", ("make", "migrate")),
        Step(
            f"{contender.framework}: creating the admin (make createuser)",
            ("make", "createuser", f"EMAIL={ADMIN_EMAIL}", f"PASSWORD={ADMIN_PASSWORD}"),
        ),
    ]
    for step in steps:
        outcome = run_step(contender.project, step, progress, env=env)
        if outcome.returncode != 0:
            raise CompareError(f"{step.title} failed:\n{outcome.tail}")


def _project_env(contender: Contender) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "ENVIRONMENT", "SECRET_KEY", "DOCS_ENABLED"):
        env.pop(name, None)
    if contender.database_url:
        env["DATABASE_URL"] = contender.database_url
    return env


def database_for(server_url: str, framework: str, run: str) -> str:
    """The user's PostgreSQL URL with a database of the framework's own for this run: the
    templates' tables differ, so they cannot share one, and a run starts from an empty one."""
    parts = urlsplit(server_url)
    name = parts.path.strip("/") or "apigen"
    return urlunsplit(parts._replace(path=f"/{name}_compare_{framework}_{run}"))


def drop_database(contender: Contender, leftovers: list[str]) -> None:
    """Drop the database `make migrate` made for this run; name it in `leftovers` if that
    fails (the server went away, the account may not drop it)."""
    python = contender.project / ".venv" / "bin" / "python"
    if contender.database_url is None or not python.exists():
        return  # not installed, so nothing was migrated either
    try:
        dropped = subprocess.run(  # noqa: S603 - the project's own Python, a fixed script
            [str(python), "-c", DROP_DATABASE],
            env=_project_env(contender),
            capture_output=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        dropped = None
    if dropped is None or dropped.returncode != 0:
        leftovers.append(urlsplit(contender.database_url).path.strip("/"))


@contextmanager
def _serving(contender: Contender, settings: Settings, progress: Progress) -> Iterator[None]:
    port = _free_port()
    env = (
        _project_env(contender)
        | SERVE_VARIABLES
        | {"HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": str(settings.workers)}
        | {"ADMIN_PORT": str(_free_port())}  # the hybrid's Django admin, beside its API
    )
    progress(f"{contender.framework}: starting make serve")
    started = time.monotonic()
    server = subprocess.Popen(
        ("make", "serve"),  # noqa: S607 - the project's own make target, make from PATH
        cwd=contender.project,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: make, the server and its workers
    )
    try:
        contender.base_url = f"http://127.0.0.1:{port}"
        contender.group = server.pid
        _wait_until_up(contender, server)
        contender.startup_seconds = time.monotonic() - started
        progress(f"{contender.framework}: seeding {SEEDED_USERS - 1} users")
        contender.admin_id = _seed(contender)
        yield
    finally:
        _stop(server)


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the whole group, then SIGKILL if it is still there after 30 s."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _wait_until_up(contender: Contender, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CompareError(f"{contender.framework}: make serve exited with {server.returncode}")
        if _status(f"{contender.base_url}/health") == 200:
            return
        time.sleep(0.1)
    raise CompareError(f"{contender.framework}: make serve did not answer /health within 120 s")


def _status(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback http
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _seed(contender: Contender) -> int:
    """Users for the read to return (created through the API, as a client would); the id of
    the account the write changes: the first one, the admin."""
    for number in range(1, SEEDED_USERS):
        body = {"name": f"Seed {number}", "email": f"seed{number}@example.com"}
        _request(contender, "POST", "/users", body | {"password": ADMIN_PASSWORD})
    users = _request(contender, "GET", "/users?limit=1")
    return int(users[0]["id"])


def _request(contender: Contender, method: str, path: str, body: object = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the local service, over loopback
        f"{contender.base_url}{path}",
        data=data,
        method=method,
        headers=_credentials() | {"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.load(response)
    except (OSError, ValueError) as error:
        raise CompareError(f"{contender.framework}: {method} {path} failed: {error}") from None


def _credentials() -> dict[str, str]:
    basic = base64.b64encode(f"{ADMIN_EMAIL}:{ADMIN_PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {basic}"}


def _measure(contender: Contender, load: Load, tool: LoadTool, settings: Settings) -> Measurement:
    path = load.path.format(admin_id=contender.admin_id)
    headers = {"Content-Type": "application/json"} if load.body else {}
    if load.authenticated:
        headers |= _credentials()
    concrete = Load(load.name, load.method, path, load.authenticated, load.body)
    return tool.measure(
        contender.base_url + path, concrete, headers, settings.seconds, settings.connections
    )


def worker_rss_mib(group: int, workers: int) -> list[float]:
    """Resident memory of the largest processes of the group: the workers (the rest of the
    group is make, uv and the server's supervisor)."""
    sizes = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != group:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        if match := re.search(r"VmRSS:\s+(\d+) kB", status):
            sizes.append(int(match.group(1)) / 1024)
    return sorted(sizes, reverse=True)[:workers]


def _size_mib(directory: Path) -> float:
    total = sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())
    return total / 2**20


def _lines_of_code(project: Path) -> int:
    """Non-blank, non-comment Python lines of the service itself (no tests, no migrations)."""
    count = 0
    for path in project.rglob("*.py"):
        relative = path.relative_to(project).parts
        if relative[0] in {".venv", ".uv", "tests"} or {"migrations", "alembic"} & set(relative):
            continue
        for line in path.read_text(errors="replace").splitlines():
            stripped = line.strip()
            count += bool(stripped) and not stripped.startswith("#")
    return count


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Wrk:
    """wrk (https://github.com/wg/wrk): C, event-driven, the least load-tool overhead."""

    name = "wrk"

    def __init__(self, executable: str, scratch: Path) -> None:
        self.executable = executable
        self.scratch = scratch

    def measure(
        self, url: str, load: Load, headers: dict[str, str], seconds: int, connections: int
    ) -> Measurement:
        script = self.scratch / f"{load.name}.lua"
        script.write_text(
            f"wrk.method = {json.dumps(load.method)}\n"
            + (f"wrk.body = {json.dumps(load.body)}\n" if load.body else "")
            + "".join(
                f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n" for k, v in headers.items()
            )
        )
        result = subprocess.run(  # noqa: S603 - a fixed command line, no shell
            [
                self.executable,
                "--threads",
                "2",
                "--connections",
                str(connections),
                "--duration",
                f"{seconds}s",
                "--timeout",
                "10s",
                "--latency",
                "--script",
                str(script),
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
        if result.returncode != 0:
            raise CompareError(f"wrk failed: {result.stderr.strip() or result.stdout.strip()}")
        return parse_wrk(result.stdout)


def parse_wrk(output: str) -> Measurement:
    def number(pattern: str) -> float:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else 0.0

    def latency_ms(percentile: str) -> float:
        match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\b", output, re.MULTILINE)
        if not match:
            return 0.0
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
        return float(match.group(1)) * scale

    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(number(r"Non-2xx or 3xx responses: (\d+)"))
    if socket_errors:
        errors += sum(int(count) for count in socket_errors.groups())
    return Measurement(
        requests_per_second=number(r"Requests/sec:\s+([\d.]+)"),
        p50_ms=latency_ms("50"),
        p99_ms=latency_ms("99"),
        errors=errors,
    )


class Locust:
    """Locust (https://locust.io), installed on demand into the scratch directory: for machines
    without wrk. Python, so it spends more of the machine on itself than wrk does."""

    name = "locust"

    def __init__(self, executable: Path, scratch: Path) -> None:
        self.executable = executable
        self.scratch = scratch

    @classmethod
    def install(cls, scratch: Path, python: str, progress: Progress) -> "Locust":
        venv = scratch / "locust"
        progress("installing locust (no wrk on this machine)")
        for command in (
            [python, "-m", "venv", str(venv)],
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "locust>=2.30"],
        ):
            result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
            if result.returncode != 0:
                raise CompareError(
                    "neither wrk nor locust is available: install wrk (apt-get install wrk) "
                    f"or locust (pip install locust):\n{result.stderr.strip()[-2000:]}"
                )
        return cls(venv / "bin" / "locust", scratch)

    def measure(
        self, url: str, load: Load, headers: dict[str, str], seconds: int, connections: int
    ) -> Measurement:
        parts = urlsplit(url)
        path = urlunsplit(parts._replace(scheme="", netloc=""))
        locustfile = self.scratch / f"{load.name}_locustfile.py"
        locustfile.write_text(
            "from locust import FastHttpUser, constant, task\n\n\n"
            "class Client(FastHttpUser):\n"
            "    wait_time = constant(0)\n\n"
            "    @task\n"
            "    def request(self):\n"
            f"        self.client.request({load.method!r}, {path!r}, data={load.body!r},"
            f" headers={headers!r})\n"
        )
        prefix = self.scratch / load.name
        result = subprocess.run(  # noqa: S603 - a fixed command line, no shell
            [
                str(self.executable),
                "--headless",
                "--locustfile",
                str(locustfile),
                "--host",
                f"{parts.scheme}://{parts.netloc}",
                "--users",
                str(connections),
                "--spawn-rate",
                str(connections),
                "--run-time",
                f"{seconds}s",
                "--csv",
                str(prefix),
                "--only-summary",
                "--exit-code-on-error",
                "0",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
            check=False,
        )
        if result.returncode != 0:
            raise CompareError(f"locust failed: {result.stderr.strip()[-2000:]}")
        return parse_locust_stats(Path(f"{prefix}_stats.csv").read_text())


def parse_locust_stats(csv_text: str) -> Measurement:
    for row in csv.DictReader(csv_text.splitlines()):
        if row["Name"] == "Aggregated":
            return Measurement(
                requests_per_second=float(row["Requests/s"]),
                p50_ms=float(row["50%"]),
                p99_ms=float(row["99%"]),
                errors=int(row["Failure Count"]),
            )
    raise CompareError("locust wrote no aggregated statistics")


def choose_load_tool(scratch: Path, python: str, progress: Progress) -> LoadTool:
    """wrk when it is on PATH, otherwise Locust installed for this run."""
    executable = shutil.which("wrk")
    if executable:
        return Wrk(executable, scratch)
    return Locust.install(scratch, python, progress)


@contextmanager
def scratch_directory(keep: Path | None) -> Iterator[Path]:
    """Where the projects live: `keep` (left in place), or a temporary directory removed at the
    end, whatever happens."""
    if keep is not None:
        if keep.exists() and any(keep.iterdir()):
            raise UsageError(f"{keep} exists and is not empty; --keep needs a new directory")
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="apigen-compare-") as directory:
        yield Path(directory)


def check_frameworks(chosen: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise UsageError(f"unknown framework {', '.join(unknown)}; choose from {', '.join(known)}")
    if not chosen:
        raise UsageError(f"--frameworks names none; choose from {', '.join(known)}")
    return tuple(dict.fromkeys(chosen))
