"""schemathesis against a served project, as the resilience and the resource tests run it."""

import shutil
import subprocess
import sys
from pathlib import Path

TOOLS = str(Path(sys.executable).parent)


def run_schemathesis(base_url: str, headers: dict[str, str], cwd: Path, *options: str) -> str:
    """`schemathesis run --checks all` with every phase (examples, coverage, fuzzing, stateful
    sequences over the links it infers), seeded; its output, once it found nothing.
    `options` narrow it (operations, methods); `cwd` keeps schemathesis' cache."""
    schemathesis = shutil.which("schemathesis", path=TOOLS)
    assert schemathesis, "schemathesis is a development dependency: run make install"
    result = subprocess.run(
        [
            schemathesis,
            "run",
            f"{base_url}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "10",
            "--seed",
            "1",
            "--no-color",
            *options,
            *(part for name, value in headers.items() for part in ("-H", f"{name}: {value}")),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:]
    return result.stdout
