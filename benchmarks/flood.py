"""A wrong-password flood against each template's default project, with and without the
protection of docs/security.md (failed-login throttling and bounded password hashing).

For each framework, the default project (SQLite, HTTP Basic) runs under `make serve` twice:
with its defaults, then with FAILED_LOGIN_LIMIT and PASSWORD_HASH_CONCURRENCY raised out of the
way (what every project did before issue 13). Each time, wrk floods it from 64 connections, every
request a new wrong password, while one legitimate client (credentials verified once and
remembered) asks GET /secure every 50 ms. Printed: the legitimate client's p50, p99 and worst
latency, its errors, and the workers' peak resident memory. Target: p99 under 1 s with the
protection, and memory bounded. Needs wrk (apt-get install wrk). Loopback only, bounded in time.
"""

import argparse
import base64
import secrets
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from services import BASIC, Service, prepare, serving

from apigen.compare import worker_rss_mib

UNPROTECTED = {"FAILED_LOGIN_LIMIT": "1000000000/minute", "PASSWORD_HASH_CONCURRENCY": "1000"}
WRONG_PASSWORDS = 20_000


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    peak_rss: float = 0.0
    flood_rate: float = 0.0


def flood_script(directory: Path) -> Path:
    """A wrk script sending a different wrong password with every request."""
    headers = ",\n".join(
        '"Basic '
        + base64.b64encode(f"user{n % 500}@example.com:{secrets.token_hex(8)}".encode()).decode()
        + '"'
        for n in range(WRONG_PASSWORDS)
    )
    script = directory / "flood.lua"
    script.write_text(
        f"local headers = {{\n{headers}\n}}\n"
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  wrk.headers['Authorization'] = headers[(n % #headers) + 1]\n"
        "  return wrk.format('GET', '/secure')\n"
        "end\n"
    )
    return script


def legitimate_client(service: Service, stop: threading.Event, outcome: Outcome) -> None:
    with httpx.Client(
        base_url=service.base_url, headers={"Authorization": BASIC}, timeout=30
    ) as client:
        while not stop.wait(0.05):
            started = time.monotonic()
            try:
                status = client.get("/secure").status_code
            except httpx.TransportError:
                status = 0
            outcome.latencies.append(time.monotonic() - started)
            outcome.errors += status != 200


def run_flood(service: Service, script: Path, seconds: int) -> Outcome:
    outcome = Outcome()
    for _ in range(2 * service.workers):  # each worker verifies and remembers the credentials
        httpx.get(f"{service.base_url}/secure", headers={"Authorization": BASIC}, timeout=30)
    stop = threading.Event()
    watcher = threading.Thread(target=legitimate_client, args=(service, stop, outcome))
    watcher.start()
    wrk = subprocess.Popen(
        [
            "wrk",
            "-t2",
            "-c64",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            service.base_url,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    while wrk.poll() is None:
        outcome.peak_rss = max(
            outcome.peak_rss, sum(worker_rss_mib(service.group, service.workers))
        )
        time.sleep(0.5)
    stop.set()
    watcher.join()
    output = wrk.stdout.read() if wrk.stdout else ""
    for line in output.splitlines():
        if line.startswith("Requests/sec:"):
            outcome.flood_rate = float(line.split()[1])
    return outcome


def describe(outcome: Outcome) -> str:
    ordered = sorted(outcome.latencies)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{p50 * 1000:>8.0f}{p99 * 1000:>8.0f}{ordered[-1] * 1000:>8.0f}"
        f"{len(ordered):>6}{outcome.errors:>7}{outcome.peak_rss:>10.0f}{outcome.flood_rate:>10.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=15, help="length of each flood")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--frameworks", default="fastapi,flask,drf")
    arguments = parser.parse_args()
    print(
        f"{'template':<9}{'protection':<12}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
        f"{'asks':>6}{'errors':>7}{'RSS MiB':>10}{'flood/s':>10}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        script = flood_script(Path(scratch))
        for framework in arguments.frameworks.split(","):
            project = prepare(framework, Path(scratch))
            p99s = {}
            for label, extra in (("on", {}), ("off", UNPROTECTED)):
                env = {"RATE_LIMIT": "1000000000/minute"} | extra
                with serving(framework, ["make", "serve"], project, env, arguments.workers) as svc:
                    outcome = run_flood(svc, script, arguments.seconds)
                print(f"{framework:<9}{label:<12}{describe(outcome)}", flush=True)
                p99s[label] = sorted(outcome.latencies)[int(len(outcome.latencies) * 0.99)]
            print(
                f"{'':<9}p99 with / without protection: {p99s['on'] / p99s['off']:.2f}"
                f"  (target: p99 with protection < 1 s: {'met' if p99s['on'] < 1 else 'MISSED'})"
            )


if __name__ == "__main__":
    main()
