"""Every project of the matrix: no Jinja left, and its own lint and tests pass straight after
generation, without edits."""

import re

import pytest

from .conftest import ALL_PROJECTS, GeneratedProject

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("project", ALL_PROJECTS, indirect=True)]

UNRENDERED = re.compile(r"\{\{|\{%")


def test_nothing_is_left_unrendered(project: GeneratedProject) -> None:
    for path in project.files:
        relative = path.relative_to(project.path)
        assert not UNRENDERED.search(str(relative)), relative
        assert not str(relative).endswith(".jinja"), relative
        assert not UNRENDERED.search(path.read_text()), relative


def test_lint_passes(project: GeneratedProject) -> None:
    project.make("lint")


def test_own_tests_pass(project: GeneratedProject) -> None:
    result = project.make("test")
    assert re.search(r"\d+ passed", result.stdout)
    assert " failed" not in result.stdout
