"""Generation speed: `apigen new` against `copier copy` of the same template and answers, and
apigen's start-up (which must not import copier) against `copier --version`.

Targets (issue "Fast generation..."): apigen new <= 1.1x copier copy; apigen --help and
--version <= 0.4x copier --version.
"""

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from project import BIN

REPOSITORY = Path(__file__).resolve().parent.parent
ANSWERS = ["framework=fastapi", "project_name=Bench"]


def median_seconds(command: Callable[[Path], list[str]], runs: int) -> float:
    """Median wall time of `runs` runs, each in a fresh scratch directory."""
    times = []
    for _ in range(runs):
        scratch = Path(tempfile.mkdtemp())
        try:
            started = time.perf_counter()
            subprocess.run(command(scratch), check=True, capture_output=True)
            times.append(time.perf_counter() - started)
        finally:
            shutil.rmtree(scratch)
    return statistics.median(times)


def apigen_new(scratch: Path) -> list[str]:
    data = [f"--data={answer}" for answer in ANSWERS]
    return [str(BIN / "apigen"), "new", str(scratch / "p"), "--defaults", "--no-git", *data]


def copier_copy(scratch: Path) -> list[str]:
    data = [f"--data={answer}" for answer in ANSWERS]
    return [
        str(BIN / "copier"),
        "copy",
        "--defaults",
        "--quiet",
        *data,
        str(REPOSITORY),
        str(scratch / "p"),
    ]


def report(name: str, seconds: float, baseline: float, target: float) -> None:
    ratio = seconds / baseline
    verdict = "meets" if ratio <= target else "MISSES"
    print(f"{name:<28} {seconds * 1000:8.0f} ms   ratio {ratio:5.2f}  ({verdict} <= {target})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs

    copier_version = median_seconds(lambda _: [str(BIN / "copier"), "--version"], runs)
    help_time = median_seconds(lambda _: [str(BIN / "apigen"), "--help"], runs)
    version_time = median_seconds(lambda _: [str(BIN / "apigen"), "--version"], runs)
    copy_time = median_seconds(copier_copy, runs)
    new_time = median_seconds(apigen_new, runs)

    print(f"medians of {runs} runs")
    print(f"{'copier --version':<28} {copier_version * 1000:8.0f} ms")
    report("apigen --help", help_time, copier_version, 0.4)
    report("apigen --version", version_time, copier_version, 0.4)
    print(f"{'copier copy (repository)':<28} {copy_time * 1000:8.0f} ms")
    report("apigen new", new_time, copy_time, 1.1)


if __name__ == "__main__":
    main()
