"""What the benchmarks share: the apigen installed beside this Python, and projects made with it."""

import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def generate(framework: str, project: Path) -> None:
    """The template's default project, as `apigen new --defaults` makes it (without git)."""
    subprocess.run(
        [
            str(BIN / "apigen"),
            "new",
            str(project),
            "--defaults",
            "--no-git",
            f"--data=framework={framework}",
        ],
        check=True,
        capture_output=True,
    )
