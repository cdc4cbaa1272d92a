"""Served projects hold up: a property-based run against their OpenAPI schema finds no
undocumented answer and no server error, and a bounded load finds no error at all."""

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import SERVED_PROJECTS, LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("project", SERVED_PROJECTS, indirect=True)]
TOOLS = str(Path(sys.executable).parent)


def test_schemathesis_finds_nothing(
    live_server: LiveServer, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    schemathesis = shutil.which("schemathesis", path=TOOLS)
    assert schemathesis, "schemathesis is a development dependency: run make install"
    credentials = live_server.credentials(live_server.email, live_server.password)
    result = subprocess.run(
        [
            schemathesis,
            "run",
            f"{live_server.base_url}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "10",
            "--seed",
            "1",
            "--no-color",
            # Deleting the account that runs the checks would leave nothing but 401s to test;
            # the contract suite covers DELETE.
            "--exclude-method",
            "DELETE",
            *(part for name, value in credentials.items() for part in ("-H", f"{name}: {value}")),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,  # schemathesis keeps a cache in its working directory
    )
    assert result.returncode == 0, result.stdout[-6000:]
    cases = re.search(r"(\d+) generated, \1 passed", result.stdout)
    assert cases, result.stdout[-2000:]
    record_property("figures", f"schemathesis --checks all: {cases.group(0)}")


def test_load_on_loopback_has_no_errors(
    live_server: LiveServer, record_property: Callable[[str, object], None]
) -> None:
    wrk = shutil.which("wrk")
    if wrk is None:
        pytest.fail("wrk is needed for the load test: apt-get install wrk")
    result = subprocess.run(
        [
            wrk,
            "--threads",
            "2",
            "--connections",
            "64",
            "--duration",
            "10s",
            "--timeout",
            "5s",
            f"{live_server.base_url}/health",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    requests = int(re.search(r"(\d+) requests in", result.stdout).group(1))  # type: ignore[union-attr]
    assert requests > 0
    assert "Non-2xx or 3xx responses" not in result.stdout, result.stdout
    assert "Socket errors" not in result.stdout, result.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    per_second = rate.group(1) if rate else "?"
    record_property(
        "figures", f"wrk, 64 connections, 10 s: {requests} requests ({per_second}/s), no errors"
    )
