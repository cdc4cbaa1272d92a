"""Generated services under `make serve`, side by side with minimal apps, on loopback with wrk
(32 connections).

For each framework, the default project (SQLite, HTTP Basic) is generated and served, and the
minimal app of the same framework (benchmarks/minimal/) runs from the same environment, on the
same database file, with the same server and worker count. Both answer /health (one SELECT 1)
and an authenticated GET /users?limit=10. All services run at once and are measured in
alternation, round after round, so a noisy neighbour hits them alike; medians are printed.

Targets (issue "Fast generation..."): each template's /health and read >= 0.9x its minimal
app's, FastAPI's read >= 1.3x Flask's; then the resident memory of each worker at idle, after
the rounds, and over a soak of --soak seconds of reads (growth after warm-up should be ~0).
Needs wrk (Debian package).
"""

import argparse
import base64
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from project import generate

MINIMAL = Path(__file__).resolve().parent / "minimal"
EMAIL, PASSWORD = "bench@example.com", "a long bench password"
BASIC = "Basic " + base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()
HEALTH, READ = "/health", "/users?limit=10"
MINIMAL_APPS = {
    "fastapi": "fastapi_app:app",
    "flask": "flask_app:app",
    "drf": "drf_app:application",
}


@dataclass
class Service:
    name: str  # "fastapi" or "fastapi minimal"
    base_url: str
    group: int  # process group of the server and its workers
    workers: int
    rates: dict[str, list[float]] = field(default_factory=dict)  # path -> requests/s per round

    def median(self, path: str) -> float:
        return statistics.median(self.rates[path])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def worker_rss_mib(service: Service) -> list[float]:
    """Resident memory of the largest processes of the group: the workers (the rest of the
    group is make, uv and the supervisor)."""
    sizes = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != service.group:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        if match := re.search(r"VmRSS:\s+(\d+) kB", status):
            sizes.append(int(match.group(1)) / 1024)
    return sorted(sizes, reverse=True)[: service.workers]


def wrk(url: str, seconds: int) -> float:
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c32",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-H",
            f"Authorization: {BASIC}",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    if "Non-2xx" in result.stdout or "Socket errors" in result.stdout:
        print(f"errors under load on {url}:\n{result.stdout}", file=sys.stderr)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))  # type: ignore[union-attr]


def prepare(framework: str, root: Path) -> Path:
    """The default project of the template, installed, migrated, with 10 users to read."""
    project = root / f"bench-{framework}"
    generate(framework, project)
    make(project, "install")
    make(project, "migrate")
    make(project, "createuser", f"EMAIL={EMAIL}", f"PASSWORD={PASSWORD}")
    for number in range(1, 10):
        make(project, "createuser", f"EMAIL=user{number}@example.com", f"PASSWORD={PASSWORD}")
    return project


def make(project: Path, *arguments: str) -> None:
    subprocess.run(["make", *arguments], cwd=project, check=True, capture_output=True)


@contextmanager
def serving(
    name: str, command: list[str], project: Path, env: dict[str, str], workers: int
) -> Iterator[Service]:
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in command]  # Uvicorn's --port
    env = (
        os.environ | env | {"HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": str(workers)}
    )
    server = subprocess.Popen(
        command,
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    service = Service(name, f"http://127.0.0.1:{port}", server.pid, workers)
    try:
        for _ in range(240):
            try:
                if httpx.get(service.base_url + HEALTH, timeout=2).status_code == 200:
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


def template_service(framework: str, project: Path, workers: int) -> Iterator[Service]:
    # The rate limit protects real clients; the benchmark is one client sending thousands.
    return serving(
        framework, ["make", "serve"], project, {"RATE_LIMIT": "1000000000/minute"}, workers
    )


def minimal_service(framework: str, project: Path, workers: int) -> Iterator[Service]:
    """The minimal app, run by the template's server with the template's server settings."""
    venv = project / ".venv" / "bin"
    app = MINIMAL_APPS[framework]
    if framework == "fastapi":
        command = [
            str(venv / "uvicorn"),
            app,
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--workers",
            str(workers),
        ]
        command += ["--no-access-log", "--proxy-headers", "--timeout-graceful-shutdown", "30"]
    else:
        command = [str(venv / "gunicorn"), "--config", "gunicorn.conf.py", app]
    env = {"PYTHONPATH": str(MINIMAL)}
    return serving(f"{framework} minimal", command, project, env, workers)


def measure_rounds(services: list[Service], rounds: int, seconds: int) -> None:
    for service in services:  # warm-up: imports, connection pools, the credential caches
        for _ in range(4 * service.workers):  # one Argon2 per worker, not 32 at once
            answer = httpx.get(
                service.base_url + READ, headers={"Authorization": BASIC}, timeout=30
            )
            if answer.status_code != 200:
                raise RuntimeError(f"{service.name}: {READ} answers {answer.status_code}")
        for path in (HEALTH, READ):
            wrk(service.base_url + path, 2)
    for _ in range(rounds):
        for path in (HEALTH, READ):
            for service in services:
                service.rates.setdefault(path, []).append(wrk(service.base_url + path, seconds))


def soak(service: Service, seconds: int, slice_seconds: int = 10) -> list[float]:
    """Total worker RSS after each slice of a read load lasting `seconds`."""
    totals = []
    for _ in range(max(1, seconds // slice_seconds)):
        wrk(service.base_url + READ, slice_seconds)
        totals.append(sum(worker_rss_mib(service)))
    return totals


def report(
    pairs: dict[str, tuple[Service, Service]],
    idle: dict[str, list[float]],
    loaded: dict[str, list[float]],
) -> None:
    print(
        f"\n{'service':<18}{'/health r/s':>12}{'read r/s':>10}{'read/health':>13}"
        "  RSS per worker, MiB (idle -> after load)"
    )
    for template, minimal in pairs.values():
        for service in (template, minimal):
            rss = ", ".join(
                f"{a:.0f}->{b:.0f}"
                for a, b in zip(idle[service.name], loaded[service.name], strict=False)
            )
            health, read = service.median(HEALTH), service.median(READ)
            print(f"{service.name:<18}{health:>12.0f}{read:>10.0f}{read / health:>13.2f}  {rss}")
    print("\nTargets (medians of the rounds):")
    for framework, (template, minimal) in pairs.items():
        for path, label in ((HEALTH, "/health"), (READ, "auth read")):
            ratio = template.median(path) / minimal.median(path)
            print(f"  {framework:<8} {label:<10} template / minimal: {ratio:.2f}  (target >= 0.9)")
    if "fastapi" in pairs and "flask" in pairs:
        ratio = pairs["fastapi"][0].median(READ) / pairs["flask"][0].median(READ)
        print(f"  FastAPI read / Flask read (templates): {ratio:.2f}  (target >= 1.3)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--soak", type=int, default=60, help="seconds of reads for the memory check (0: none)"
    )
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY of every service")
    parser.add_argument("--frameworks", default="fastapi,flask,drf")
    arguments = parser.parse_args()
    frameworks = arguments.frameworks.split(",")
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as running:
        pairs: dict[str, tuple[Service, Service]] = {}
        for framework in frameworks:
            project = prepare(framework, Path(scratch))
            template = running.enter_context(
                template_service(framework, project, arguments.workers)
            )
            minimal = running.enter_context(minimal_service(framework, project, arguments.workers))
            pairs[framework] = (template, minimal)
        services = [service for pair in pairs.values() for service in pair]
        idle = {service.name: worker_rss_mib(service) for service in services}
        measure_rounds(services, arguments.rounds, arguments.seconds)
        loaded = {service.name: worker_rss_mib(service) for service in services}
        report(pairs, idle, loaded)
        if arguments.soak:
            print(f"\nMemory over {arguments.soak} s of reads (all workers, MiB, after each 10 s):")
            for framework, (template, _) in pairs.items():
                totals = soak(template, arguments.soak)
                growth = totals[-1] - totals[0]
                series = " ".join(f"{total:.0f}" for total in totals)
                print(f"  {framework:<8} {series}  growth after the first slice: {growth:+.1f} MiB")


if __name__ == "__main__":
    main()
