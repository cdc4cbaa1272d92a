"""Generated services under `make serve` on loopback, measured side by side with wrk
(32 connections): /health, and an authenticated GET /users?limit=10 reading 10 rows. Also the
resident memory of the server's processes at idle and after the load.

Ratios printed (issue "Fast generation..."): the authenticated read against /health of the same
service (what HTTP Basic costs per request), and FastAPI's read against Flask's (target >= 1.3).
Needs wrk (Debian package) and the e2e prerequisites (make, uv through `make install`).
"""

import argparse
import base64
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
EMAIL, PASSWORD = "bench@example.com", "a long bench password"
BASIC = "Basic " + base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()


@dataclass(frozen=True)
class Measurement:
    health: float  # requests per second
    read: float
    idle: list[float]  # MiB per process, largest first
    loaded: list[float]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def make(project: Path, *arguments: str) -> None:
    subprocess.run(["make", *arguments], cwd=project, check=True, capture_output=True)


def rss_mib(process_group: int) -> list[float]:
    """Resident memory of each process in the group (make, uv, server, workers)."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != process_group:
                continue
            memory = (status.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        if match := re.search(r"VmRSS:\s+(\d+) kB", memory):
            sizes.append(int(match.group(1)) / 1024)
    return sorted(sizes, reverse=True)


def wrk(url: str, seconds: int, headers: dict[str, str]) -> float:
    header_args = [part for name, value in headers.items() for part in ("-H", f"{name}: {value}")]
    result = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", "--timeout", "10s", *header_args, url],
        check=True,
        capture_output=True,
        text=True,
    )
    if "Non-2xx" in result.stdout or "Socket errors" in result.stdout:
        print(f"errors under load on {url}:\n{result.stdout}", file=sys.stderr)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))  # type: ignore[union-attr]


def measure(framework: str, root: Path, seconds: int) -> Measurement:
    project = root / f"bench-{framework}"
    subprocess.run(
        [
            str(BIN / "apigen"),
            "new",
            str(project),
            "--defaults",
            "--no-git",
            f"--data=framework={framework}",
        ],
        check=True,
        capture_output=True,
    )
    make(project, "install")
    make(project, "migrate")
    make(project, "createuser", f"EMAIL={EMAIL}", f"PASSWORD={PASSWORD}")
    port = free_port()
    env = os.environ | {"PORT": str(port), "RATE_LIMIT": "100000000/minute"}
    server = subprocess.Popen(
        ["make", "serve"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        auth = httpx.BasicAuth(EMAIL, PASSWORD)
        for number in range(9):
            body = {"name": f"u{number}", "email": f"u{number}@example.com", "password": "x" * 12}
            httpx.post(f"{base}/users", json=body, auth=auth, timeout=30)
        idle = rss_mib(server.pid)
        health = wrk(f"{base}/health", seconds, {})
        read = wrk(f"{base}/users?limit=10", seconds, {"Authorization": BASIC})
        loaded = rss_mib(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return Measurement(health, read, idle, loaded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--frameworks", default="fastapi,flask,drf")
    arguments = parser.parse_args()
    results: dict[str, Measurement] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for framework in arguments.frameworks.split(","):
            results[framework] = measure(framework, Path(scratch), arguments.seconds)
    print(f"{'service':<10}{'/health r/s':>13}{'auth read r/s':>15}{'read/health':>13}  RSS MiB")
    for framework, result in results.items():
        idle = ", ".join(f"{size:.0f}" for size in result.idle[:3])
        loaded = ", ".join(f"{size:.0f}" for size in result.loaded[:3])
        print(
            f"{framework:<10}{result.health:>13.0f}{result.read:>15.0f}"
            f"{result.read / result.health:>13.2f}  idle {idle}; after load {loaded}"
        )
    if "fastapi" in results and "flask" in results:
        ratio = results["fastapi"].read / results["flask"].read
        print(f"FastAPI read / Flask read: {ratio:.2f} (target >= 1.3)")


if __name__ == "__main__":
    main()
