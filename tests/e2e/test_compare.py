"""`apigen compare` as a user runs it: every framework generated, installed, served and loaded,
a table with a row per framework and request, and not one failed request. Short (1 s loads,
one round): it checks the command, never a speed."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from apigen import compare

from .conftest import POSTGRES_SERVER, PROJECT_VARIABLES

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


def _project_with_this_python(root: Path) -> Path:
    """A project directory whose `.venv/bin/python` is this test environment's (which has
    psycopg, as a Flask or DRF project's has)."""
    python = root / "compare-flask" / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    return root / "compare-flask"


def _databases_named(name: str) -> list[str]:
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as server:
        rows = server.execute("SELECT datname FROM pg_database WHERE datname = %s", (name,))
        return [row[0] for row in rows]


def test_a_run_drops_the_postgresql_database_it_made(tmp_path: Path) -> None:
    name = f"apigen_compare_flask_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as server:
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    project = _project_with_this_python(tmp_path)
    contender = compare.Contender("flask", project, database_url=f"{POSTGRES_SERVER}/{name}")
    leftovers: list[str] = []
    compare.drop_database(contender, leftovers)
    assert (leftovers, _databases_named(name)) == ([], [])


def test_a_database_it_could_not_drop_is_named(tmp_path: Path) -> None:
    project = _project_with_this_python(tmp_path)
    unreachable = "postgresql://postgres@127.0.0.1:1/apigen_compare_flask_gone"
    contender = compare.Contender("flask", project, database_url=unreachable)
    leftovers: list[str] = []
    compare.drop_database(contender, leftovers)
    assert leftovers == ["apigen_compare_flask_gone"]
