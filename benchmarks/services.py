"""Generated services under `make serve`, side by side with minimal apps and a raw floor, on
loopback with wrk.

For each framework, the default project (HTTP Basic; SQLite, or PostgreSQL with --database) is
generated and served, and the minimal app of the same framework (benchmarks/minimal/) runs from
the same environment, on the same database, with the same server and worker count. The raw floor
(minimal/floor_app.py: Starlette and the bare driver) runs from the FastAPI project's
environment. All answer /health (one SELECT 1), an authenticated GET /users?limit=10 and an
authenticated PATCH of one user's name. All services run at once and are measured in
alternation, round after round, so a noisy neighbour hits them alike (on PostgreSQL one
framework's services at a time, for the server's connection limit); medians are printed, with
p50/p99 latency and the resident memory of each worker.

Targets (issue "FastAPI earns its reputation"): FastAPI >= 1.5x Flask and >= 1.5x DRF on each
request; each template >= 0.85x its minimal app; FastAPI's template against the floor (aim
>= 0.3x). Needs wrk (Debian package); --database postgresql needs the server at 127.0.0.1:5432.
"""

import argparse
import base64
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from project import generate
from psycopg import sql

from apigen.compare import Load, Measurement, Wrk, worker_rss_mib

MINIMAL = Path(__file__).resolve().parent / "minimal"
EMAIL, PASSWORD = "bench@example.com", "a long bench password"
BASIC = "Basic " + base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
LOADS = (
    Load("health", "GET", "/health", authenticated=False),
    Load("read", "GET", "/users?limit=10", authenticated=True),
    Load("write", "PATCH", "/users/1", authenticated=True, body='{"name": "Benchmarked"}'),
)
# The protections are for clients; the benchmark is one client sending thousands.
UNLIMITED = {"RATE_LIMIT": "1000000000/minute", "FAILED_LOGIN_LIMIT": "1000000000/minute"}
MINIMAL_APPS = {
    "fastapi": "fastapi_app:app",
    "flask": "flask_app:app",
    "drf": "drf_app:application",
}


@dataclass
class Service:
    name: str  # "fastapi", "fastapi minimal", "floor"
    base_url: str
    group: int  # process group of the server and its workers
    workers: int
    rounds: dict[str, list[Measurement]] = field(default_factory=dict)

    def median(self, load: str, attribute: str = "requests_per_second") -> float:
        return float(statistics.median(getattr(m, attribute) for m in self.rounds[load]))

    def errors(self) -> int:
        return sum(m.errors for rounds in self.rounds.values() for m in rounds)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def recreate_database(name: str) -> str:
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{POSTGRES_SERVER}/{name}"


@dataclass(frozen=True)
class Prepared:
    framework: str
    path: Path
    env: dict[str, str]


def prepare(framework: str, root: Path, database: str = "sqlite") -> Prepared:
    """The default project of the template, installed, migrated, with 10 users to read; the
    admin (the first user) is the one the write changes."""
    project = root / f"bench-{framework}"
    generate(framework, project, database=database)
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    if database == "postgresql":
        env["DATABASE_URL"] = recreate_database(f"apigen_bench_{framework}")
    prepared = Prepared(framework, project, env)
    make(prepared, "install")
    make(prepared, "migrate")
    make(prepared, "createuser", f"EMAIL={EMAIL}", f"PASSWORD={PASSWORD}")
    for number in range(1, 10):
        make(prepared, "createuser", f"EMAIL=user{number}@example.com", f"PASSWORD={PASSWORD}")
    return prepared


def make(project: Prepared, *arguments: str) -> None:
    subprocess.run(
        ["make", *arguments], cwd=project.path, env=project.env, check=True, capture_output=True
    )


@contextmanager
def serving(
    name: str, command: list[str], project: Prepared, env: dict[str, str], workers: int
) -> Iterator[Service]:
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in command]  # Uvicorn's --port
    env = (
        project.env
        | env
        | {"HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": str(workers)}
    )
    server = subprocess.Popen(
        command,
        cwd=project.path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    service = Service(name, f"http://127.0.0.1:{port}", server.pid, workers)
    try:
        for _ in range(240):
            try:
                if httpx.get(service.base_url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        else:
            raise RuntimeError(f"{name} did not start")
        yield service
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def template_service(project: Prepared, workers: int) -> AbstractContextManager[Service]:
    return serving(project.framework, ["make", "serve"], project, UNLIMITED, workers)


def uvicorn(project: Prepared, app: str, workers: int) -> list[str]:
    venv = project.path / ".venv" / "bin"
    return [
        str(venv / "uvicorn"),
        app,
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        str(workers),
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "30",
    ]


def minimal_service(project: Prepared, workers: int) -> AbstractContextManager[Service]:
    """The minimal app, run by the template's server with the template's server settings."""
    app = MINIMAL_APPS[project.framework]
    if project.framework == "fastapi":
        command = uvicorn(project, app, workers)
    else:
        command = [
            str(project.path / ".venv" / "bin" / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            app,
        ]
    env = {"PYTHONPATH": str(MINIMAL)}
    return serving(f"{project.framework} minimal", command, project, env, workers)


def floor_service(project: Prepared, workers: int) -> AbstractContextManager[Service]:
    command = uvicorn(project, "floor_app:app", workers)
    return serving("floor", command, project, {"PYTHONPATH": str(MINIMAL)}, workers)


def measure_rounds(
    services: list[Service], tool: Wrk, rounds: int, seconds: int, connections: int
) -> None:
    headers = {"Authorization": BASIC, "Content-Type": "application/json"}
    for service in services:  # warm-up: imports, connection pools, the credential caches
        for _ in range(4 * service.workers):  # one Argon2 per worker, not 32 at once
            answer = httpx.get(f"{service.base_url}/users?limit=10", headers=headers, timeout=30)
            if answer.status_code != 200:
                raise RuntimeError(f"{service.name}: /users answers {answer.status_code}")
    for round_number in range(rounds):
        for load in LOADS:
            for service in services:
                print(
                    f"round {round_number + 1}/{rounds}: {service.name} {load.name}",
                    file=sys.stderr,
                )
                measured = tool.measure(
                    service.base_url + load.path, load, headers, seconds, connections
                )
                service.rounds.setdefault(load.name, []).append(measured)


def report(services: dict[str, Service], rss: dict[str, list[float]], database: str) -> None:
    print(f"\nDatabase: {database}. Medians of the rounds; RSS per worker after the rounds.\n")
    header = "".join(f"{load.name + ' r/s':>12}{'p50':>7}{'p99 ms':>8}" for load in LOADS)
    print(f"{'service':<18}{header}{'errors':>8}  RSS MiB")
    for service in services.values():
        cells = "".join(
            f"{service.median(load.name):>12.0f}{service.median(load.name, 'p50_ms'):>7.1f}"
            f"{service.median(load.name, 'p99_ms'):>8.1f}"
            for load in LOADS
        )
        sizes = "/".join(f"{size:.0f}" for size in rss[service.name])
        print(f"{service.name:<18}{cells}{service.errors():>8}  {sizes}")
    print("\nRatios (requests/s):")

    def ratio(a: str, b: str, target: str) -> None:
        if a in services and b in services:
            values = "  ".join(
                f"{load.name} {services[a].median(load.name) / services[b].median(load.name):.2f}"
                for load in LOADS
            )
            print(f"  {a + ' / ' + b:<32}{values}   (target {target})")

    ratio("fastapi", "flask", ">= 1.5")
    ratio("fastapi", "drf", ">= 1.5")
    for framework in MINIMAL_APPS:
        ratio(framework, f"{framework} minimal", ">= 0.85")
    ratio("fastapi", "floor", "aim >= 0.3")


def soak(service: Service, tool: Wrk, seconds: int, slice_seconds: int = 10) -> list[float]:
    """Total worker RSS after each slice of a read load lasting `seconds`."""
    headers = {"Authorization": BASIC}
    totals = []
    for _ in range(max(1, seconds // slice_seconds)):
        tool.measure(service.base_url + LOADS[1].path, LOADS[1], headers, slice_seconds, 32)
        totals.append(sum(worker_rss_mib(service.group, service.workers)))
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY of every service")
    parser.add_argument("--frameworks", default="fastapi,flask,drf")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--soak", type=int, default=0, help="seconds of reads for the memory check (0: none)"
    )
    arguments = parser.parse_args()
    frameworks = arguments.frameworks.split(",")
    # PostgreSQL: one framework's services at a time. All seven at once keep more connections
    # in their pools (each its default) than a server's max_connections of 100 allows.
    groups = [frameworks] if arguments.database == "sqlite" else [[name] for name in frameworks]
    services: dict[str, Service] = {}
    rss: dict[str, list[float]] = {}
    soaked: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        tool = Wrk("wrk", Path(scratch))
        for group in groups:
            with ExitStack() as running:
                started = start_services(
                    group, Path(scratch), arguments.database, arguments.workers, running
                )
                measure_rounds(
                    list(started.values()),
                    tool,
                    arguments.rounds,
                    arguments.seconds,
                    arguments.connections,
                )
                for name, service in started.items():
                    rss[name] = worker_rss_mib(service.group, service.workers)
                if arguments.soak:
                    for framework in group:
                        soaked[framework] = soak(started[framework], tool, arguments.soak)
                services |= started
    if len(groups) > 1:
        print("\nMeasured framework by framework: the ratios between frameworks compare runs of")
        print("different minutes.")
    report(services, rss, arguments.database)
    if soaked:
        print(f"\nMemory over {arguments.soak} s of reads (all workers, MiB, after each 10 s):")
        for framework, totals in soaked.items():
            series = " ".join(f"{total:.0f}" for total in totals)
            growth = totals[-1] - totals[0]
            print(f"  {framework:<8} {series}  growth after the first slice: {growth:+.1f} MiB")


def start_services(
    frameworks: list[str], scratch: Path, database: str, workers: int, running: ExitStack
) -> dict[str, Service]:
    """Each framework's template and minimal app (and, for FastAPI, the floor), serving until
    `running` closes."""
    services: dict[str, Service] = {}
    for framework in frameworks:
        project = prepare(framework, scratch, database)
        for start in (template_service, minimal_service):
            service = running.enter_context(start(project, workers))
            services[service.name] = service
        if framework == "fastapi":
            floor = running.enter_context(floor_service(project, workers))
            services[floor.name] = floor
    return services


if __name__ == "__main__":
    main()
