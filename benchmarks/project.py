"""What the benchmarks share: the apigen installed beside this Python, and projects made with it."""

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent

# Measure what a user's shell runs: Python caching bytecode. Some sandboxes and CI images turn
# that off, and then every process compiles every module it imports again, which weighs on a
# fresh environment that uv left uncompiled far more than on one pip compiled at install.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def generate(framework: str, project: Path, **answers: str) -> None:
    """The template's project, as `apigen new --defaults` makes it (without git), with the
    defaults for every answer not given."""
    subprocess.run(
        [
            str(BIN / "apigen"),
            "new",
            str(project),
            "--defaults",
            "--no-git",
            f"--data=framework={framework}",
            *(f"--data={name}={value}" for name, value in answers.items()),
        ],
        check=True,
        capture_output=True,
    )
