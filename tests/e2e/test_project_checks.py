"""The generated project's own checks pass straight after generation, without edits."""

import pytest

from .conftest import GeneratedProject

pytestmark = pytest.mark.e2e


def test_lint_passes(project: GeneratedProject) -> None:
    project.make("lint")


def test_own_tests_pass(project: GeneratedProject) -> None:
    result = project.make("test")
    assert " passed" in result.stdout
    assert " failed" not in result.stdout
