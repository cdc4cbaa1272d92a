"""`apigen compare` as a user runs it: every framework generated, installed, served and loaded,
a table with a row per framework and request, and not one failed request. Short (1 s loads,
one round): it checks the command, never a speed."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from apigen import compare

from .conftest import PROJECT_VARIABLES

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("compare")]


def test_compare_prints_a_full_table_with_no_failed_request(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in PROJECT_VARIABLES}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "apigen",
            "compare",
            "--seconds",
            "1",
            "--rounds",
            "1",
            "--connections",
            "8",
            "--keep",
            str(tmp_path / "compared"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "measured with wrk" in result.stdout
    rows = re.findall(
        r"^(\w+)\s+(health|read|write)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)$",
        result.stdout,
        re.MULTILINE,
    )
    # compare's default: the three frameworks (the hybrid's API is the FastAPI template's).
    frameworks = ("fastapi", "flask", "drf")
    assert [(row[0], row[1]) for row in rows] == [
        (framework, load.name) for framework in frameworks for load in compare.LOADS
    ], result.stdout
    for framework, load, rate, _, _, errors in rows:
        assert float(rate) > 0, f"{framework} {load}: no request answered"
        assert errors == "0", f"{framework} {load}: {errors} requests failed"
    footer = re.findall(r"^(\w+)\s+([\d/]+)\s+([\d.]+)\s+(\d+)\s+(\d+)$", result.stdout, re.M)
    assert [row[0] for row in footer] == list(frameworks), result.stdout
    kept = tmp_path / "compared"
    assert {f"compare-{framework}" for framework in frameworks} <= {
        path.name for path in kept.iterdir()
    }
    assert not _processes_in(kept), "apigen compare left servers running"


def _processes_in(directory: Path) -> list[str]:
    """The processes whose working directory is inside `directory`."""
    found = []
    for cwd in Path("/proc").glob("[0-9]*/cwd"):
        try:
            if cwd.resolve().is_relative_to(directory.resolve()):
                found.append(cwd.parent.name)
        except OSError:
            continue
    return found
