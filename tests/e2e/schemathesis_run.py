"""schemathesis against a served project, as the resilience and the resource tests run it."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

TOOLS = str(Path(sys.executable).parent)
HOOKS = Path(__file__).resolve().parent / "schemathesis_hooks.py"


def run_schemathesis(
    base_url: str,
    headers: dict[str, str],
    cwd: Path,
    *options: str,
    account_id: int | None = None,
) -> str:
    """`schemathesis run --checks all` with every phase (examples, coverage, fuzzing, stateful
    sequences over the links it infers), seeded; its output, once it found nothing.
    `options` narrow it (operations, methods); `cwd` keeps schemathesis' cache. `account_id`,
    the account `headers` log in as, keeps its email and password (schemathesis_hooks.py)."""
    env = os.environ | {"SCHEMATHESIS_HOOKS": str(HOOKS)}
    if account_id is not None:
        env["FUZZED_ACCOUNT_ID"] = str(account_id)
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
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:]
    return result.stdout
