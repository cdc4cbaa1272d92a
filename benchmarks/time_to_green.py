"""Time to green: `apigen new` -> `make install` -> `make test`, against the same project set up
the classic way (`python -m venv` + `pip install` of the same dependencies, then pytest).

Both ways run with warm package caches (uv's and pip's: one untimed run of each first), in fresh
directories, alternating, --runs times; medians are printed. The uv way is measured twice: with
uv already on PATH, and on a machine without it, where `make install` bootstraps uv into the
project's .venv with pip first. Target (issue "Fast generation..."): uv / pip <= 0.25.
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

from project import BIN, generate

PYTHON = "python3"  # the interpreter a user has; the generated Makefile uses it too


def run(command: list[str], project: Path, env: dict[str, str]) -> float:
    """Seconds the command took."""
    started = time.perf_counter()
    subprocess.run(command, cwd=project, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def with_uv(framework: str, project: Path) -> float:
    """Seconds of the install step (the whole is timed by the caller)."""
    generate(framework, project)
    env = os.environ | {"PATH": f"{BIN}:{os.environ['PATH']}"}  # uv is in apigen's environment
    install = run(["make", "install"], project, env)
    run(["make", "test"], project, env)
    return install


def bootstrapping_uv(framework: str, project: Path) -> float:
    generate(framework, project)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != BIN)
    env = os.environ | {"PATH": path}
    install = run(["make", "install"], project, env)
    run(["make", "test"], project, env)
    return install


def with_pip(framework: str, project: Path) -> float:
    generate(framework, project)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    development = pyproject["dependency-groups"]["dev"]
    env = dict(os.environ)
    install = run([PYTHON, "-m", "venv", ".venv"], project, env)
    install += run([".venv/bin/pip", "install", "--quiet", "-e", ".", *development], project, env)
    run([".venv/bin/pytest"], project, env)
    return install


WAYS: dict[str, Callable[[str, Path], float]] = {
    "uv on PATH": with_uv,
    "uv bootstrapped": bootstrapping_uv,
    "venv + pip": with_pip,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--frameworks", default="fastapi,flask,drf")
    arguments = parser.parse_args()
    print("Seconds for new -> install -> test, (the install step alone); medians of --runs")
    print(
        f"{'template':<10}" + "".join(f"{way:>22}" for way in WAYS) + "   uv/pip  bootstrapped/pip"
    )
    for framework in arguments.frameworks.split(","):
        totals: dict[str, list[float]] = {way: [] for way in WAYS}
        installs: dict[str, list[float]] = {way: [] for way in WAYS}
        with tempfile.TemporaryDirectory() as scratch:
            for attempt in range(arguments.runs + 1):  # the first round warms the caches
                for way, steps in WAYS.items():
                    started = time.perf_counter()
                    install = steps(framework, Path(scratch) / f"{attempt}-{way.replace(' ', '-')}")
                    if attempt:
                        totals[way].append(time.perf_counter() - started)
                        installs[way].append(install)
        total = {way: statistics.median(values) for way, values in totals.items()}
        install = {way: statistics.median(values) for way, values in installs.items()}
        pip = total["venv + pip"]
        print(
            f"{framework:<10}"
            + "".join(f"{total[way]:>14.1f} ({install[way]:>5.1f})" for way in WAYS)
            + f"   {total['uv on PATH'] / pip:>6.2f}  {total['uv bootstrapped'] / pip:>16.2f}"
        )
        ratio = install["uv on PATH"] / install["venv + pip"]
        print(f"{'':<10}the install step alone, uv on PATH / pip: {ratio:.2f}")
    print("target: uv / pip <= 0.25, new -> install -> test")


if __name__ == "__main__":
    main()
