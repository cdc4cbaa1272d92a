"""Instructions per request, counted by valgrind's callgrind: each template's default project
beside its minimal app (and, for FastAPI, the raw floor), on SQLite, in process.

The requests of services.py (/health, an authenticated GET /users?limit=10, an authenticated
PATCH /users/1), answered one at a time by the application itself (drive_app.py: no server,
no network, no other client), after a warm-up. Two runs agree to about one per cent whatever
else the machine is doing, where requests per second under wrk move by 15 % or more on a
shared machine, so the ratio minimal / template says how much work the template adds to the
same requests (target >= 0.85). It does not count what a server, the network and concurrency
add (services.py measures those). Threads are counted too: limits' in-memory rate-limit store
(Flask) starts an expiry thread 10 ms after a write, so under valgrind, where a request lasts
longer than that, about one a request, where a real server starts one a worker every 10 ms.

Needs valgrind (apt-get install valgrind); about ten minutes on two cores.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from services import UNLIMITED, Prepared, prepare

DRIVER = Path(__file__).resolve().parent / "drive_app.py"
LOADS = ("health", "read", "write")
READY_TIMEOUT = 900  # seconds for start-up and warm-up under valgrind


@dataclass(frozen=True)
class Run:
    project: Prepared
    app: str  # template, minimal or floor
    load: str

    @property
    def name(self) -> str:
        return f"{self.project.framework} {self.app} {self.load}"


def count(run: Run, requests: int, scratch: Path) -> float:
    """Instructions per request: the count is on only while the measured requests run."""
    base = scratch / run.name.replace(" ", "-")
    output = base.with_suffix(".callgrind")
    env = run.project.env | UNLIMITED | {"ENVIRONMENT": "production"}
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={output}",
        str(run.project.path / ".venv" / "bin" / "python"),
        str(DRIVER),
        run.project.framework,
        run.app,
        run.load,
        str(requests),
        str(base),
    ]
    process = subprocess.Popen(
        command,
        cwd=run.project.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        _switch_on_when_ready(process, base)
        answers, _ = process.communicate(timeout=READY_TIMEOUT)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 9)
            process.wait()
    statuses = json.loads(answers or "{}")
    if set(statuses) - {"200"}:
        raise SystemExit(f"{run.name}: answers other than 200: {statuses}")
    return _total(output) / requests


def _switch_on_when_ready(process: subprocess.Popen[str], base: Path) -> None:
    ready = Path(f"{base}.ready")
    deadline = time.monotonic() + READY_TIMEOUT
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{base.name}: the application did not start under valgrind")
        time.sleep(0.2)
    switch_on = ["callgrind_control", "-i", "on", str(process.pid)]
    subprocess.run(switch_on, check=True, capture_output=True)
    Path(f"{base}.go").touch()


def _total(output: Path) -> int:
    for line in output.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise SystemExit(f"{output}: no totals")


def report(per_request: dict[str, float]) -> None:
    print("\nInstructions per request (millions), SQLite, in process:\n")
    print(f"{'service':<20}" + "".join(f"{load:>10}" for load in LOADS))
    names = list(dict.fromkeys(name.rsplit(" ", 1)[0] for name in per_request))
    for name in names:
        figures = "".join(f"{per_request[f'{name} {load}'] / 1e6:>10.2f}" for load in LOADS)
        print(f"{name:<20}{figures}")

    def ratios(other: str, template: str) -> str:
        """Fewer instructions is more requests: the other's count over the template's."""
        return "  ".join(
            f"{load} {per_request[f'{other} {load}'] / per_request[f'{template} {load}']:.2f}"
            for load in LOADS
        )

    print("\nRatios (requests per unit of work):")
    for name in names:
        framework, app = name.split(" ")
        if app == "minimal":
            label, target = f"{framework} / {framework} minimal", ">= 0.85"
        elif app == "floor":
            label, target = f"{framework} / floor", "aim >= 0.3"
        else:
            continue
        print(f"  {label:<30} {ratios(name, f'{framework} template')}   (target {target})")
    if "fastapi template" in names:
        for name in names:
            if name.endswith(" template") and name != "fastapi template":
                label = f"fastapi / {name.split()[0]}"
                print(f"  {label:<30} {ratios(name, 'fastapi template')}   (the work alone)")
    print(
        "\nOne request at a time: under load, the templates' /health shares one database probe"
        "\namong the requests that arrive together, which this cannot show; the targets between"
        "\nframeworks (>= 1.5) are services.py's, with their servers and 64 connections."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frameworks", default="fastapi,flask,drf")
    parser.add_argument("--requests", type=int, default=200, help="counted requests per run")
    arguments = parser.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("error: valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        runs: list[Run] = []
        for framework in arguments.frameworks.split(","):
            print(f"preparing {framework}...", flush=True)
            project = prepare(framework, scratch, "sqlite")
            apps = ["template", "minimal"] + (["floor"] if framework == "fastapi" else [])
            runs += [Run(project, app, load) for app in apps for load in LOADS]
        with ThreadPoolExecutor(max_workers=2) as pool:  # two cores: two valgrinds at a time
            counts = pool.map(lambda run: _counted(run, arguments.requests, scratch), runs)
            per_request = dict(zip((run.name for run in runs), counts, strict=True))
    report(per_request)


def _counted(run: Run, requests: int, scratch: Path) -> float:
    figure = count(run, requests, scratch)
    print(f"  {run.name}: {figure / 1e6:.2f} M instructions per request", flush=True)
    return figure


if __name__ == "__main__":
    main()
