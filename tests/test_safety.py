"""Nothing is lost: interruptions leave the disk as it was, and any text a user types either is
refused clearly or ends up as inert text in a project that compiles and lints."""

import fcntl
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from apigen import catalogue, store
from apigen.cli import app


def _wait_for_staging(parent: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not any(parent.iterdir()):
        assert process.poll() is None, "apigen ended before it started rendering"
        assert time.monotonic() < deadline, "apigen never started rendering"
        time.sleep(0.01)


# `python -m apigen`, with Ctrl-C acting as in a terminal even when the test itself runs where
# SIGINT is ignored (a background job of a non-interactive shell), which the child would inherit.
APIGEN_AS_IN_A_TERMINAL = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'apigen'; runpy.run_module('apigen', run_name='__main__')"
)


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_render_leaves_nothing_behind(tmp_path: Path, signal_number: int) -> None:
    """apigen renders from its template store, which it locks while adding its templates. The
    test holds that lock, so apigen waits inside its staging directory until the signal comes:
    no race, however loaded the machine."""
    home, parent = tmp_path / "home", tmp_path / "projects"
    parent.mkdir()
    lock = store.lock_path(home / "templates")
    lock.parent.mkdir()
    arguments = ["new", str(parent / "api"), "-f", "fastapi", "--defaults", "--no-git"]
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with subprocess.Popen(
            [sys.executable, "-c", APIGEN_AS_IN_A_TERMINAL, *arguments],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ | {store.STORE_ENV: str(home)},
        ) as process:
            try:
                _wait_for_staging(parent, process)
                process.send_signal(signal_number)
                _, error = process.communicate(timeout=120)
            finally:
                process.kill()
    assert (process.returncode, error.strip()) == (130, "error: interrupted; nothing was written")
    assert list(parent.iterdir()) == []


runner = CliRunner()
# Any printable text, plus the characters that break naive rendering into code and config.
FRAGMENTS = [*"\"'\\{}%#$`\n\x00/", "..", '"""', "__import__('os')", "{{ 7*7 }}", "{% raw %}"]
TEXT = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(FRAGMENTS)), max_size=8).map(
    "".join
)


@pytest.mark.parametrize("framework", catalogue.frameworks())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=TEXT, description=TEXT)
def test_any_name_and_description_is_refused_or_safe(
    framework: str, name: str, description: str
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        parent = Path(scratch)
        result = runner.invoke(
            app,
            [
                "new",
                str(parent / "api"),
                "-f",
                framework,
                "--defaults",
                "--no-git",
                "-d",
                f"project_name={name}",
                "-d",
                f"description={description}",
                "-d",
                "project_slug=service",
            ],
        )
        if result.exit_code != 0:
            assert result.exit_code == 2, result.output
            assert result.stderr.startswith("error: ")
            assert len(result.stderr.strip().splitlines()) == 1
            assert list(parent.iterdir()) == []
            return
        project = parent / "api"
        for path in project.rglob("*.py"):
            compile(path.read_text(), str(path), "exec")
        for check in (["check"], ["format", "--check"]):  # what the project's `make lint` runs
            lint = subprocess.run(
                [sys.executable, "-m", "ruff", *check, "--no-cache", "."],
                cwd=project,
                capture_output=True,
                text=True,
            )
            assert lint.returncode == 0, lint.stdout
