"""Every project of the matrix: no Jinja left, and its own lint and tests pass straight after
generation, without edits."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ALL_PROJECTS, GeneratedProject

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("project", ALL_PROJECTS, indirect=True)]

UNRENDERED = re.compile(r"\{\{|\{%")


def _runtime_template(relative: Path) -> bool:
    """A page the project's own Jinja renders at run time (Flask's templates/ folder)."""
    return relative.suffix == ".html" and "templates" in relative.parts


def test_nothing_is_left_unrendered(project: GeneratedProject) -> None:
    for path in project.files:
        relative = path.relative_to(project.path)
        assert not UNRENDERED.search(str(relative)), relative
        assert not str(relative).endswith(".jinja"), relative
        if not _runtime_template(relative):
            assert not UNRENDERED.search(path.read_text()), relative


def test_lint_passes(project: GeneratedProject) -> None:
    project.make("lint")


def test_own_tests_pass(project: GeneratedProject) -> None:
    result = project.make("test")
    assert re.search(r"\d+ passed", result.stdout)
    assert " failed" not in result.stdout


def test_dockerfile_is_lint_clean_non_root_with_healthcheck(project: GeneratedProject) -> None:
    dockerfile = project.path / "Dockerfile"
    if project.spec.answers["docker"] == "false":
        assert not dockerfile.exists()
        return
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint is a development dependency: run make install"
    result = subprocess.run([hadolint, str(dockerfile)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    text = dockerfile.read_text()
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users, "no USER instruction"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*/health", text, re.MULTILINE | re.DOTALL)
    assert "curl" not in text
