"""Each template renders with pytest-copie: the right files, no Jinja left, options respected."""

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_copie.plugin import Copie

from apigen import catalogue, contract

FRAMEWORKS = catalogue.frameworks()
UNRENDERED = re.compile(r"\{\{|\{%|\.jinja$")
EVERY_PROJECT_HAS = [
    "README.md",
    "pyproject.toml",
    "Makefile",
    ".env.example",
    ".gitignore",
    ".copier-answers.yml",
    "Dockerfile",
    "compose.yaml",
    ".github/workflows/ci.yml",
    "tests/conftest.py",
    "tests/test_users.py",
    "tests/test_auth.py",
    "tests/test_health.py",
]
CONTRACT = contract.load(catalogue.source_root())


def render(copie: Copie, template: Path, **answers: Any) -> Path:
    result = copie.copy(extra_answers=answers, template_dir=template)
    assert result.exception is None, result.exception
    assert result.project_dir is not None
    return result.project_dir


def text_files(project: Path) -> dict[Path, str]:
    return {path: path.read_text() for path in project.rglob("*") if path.is_file()}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_defaults_render_a_complete_project(copie: Copie, framework: str) -> None:
    project = render(copie, catalogue.template_dir(framework), framework=framework)
    for name in EVERY_PROJECT_HAS:
        assert (project / name).is_file(), name
    for path, text in text_files(project).items():
        assert not UNRENDERED.search(str(path.relative_to(project))), path
        assert "{{" not in text or path.suffix == ".html", path
    makefile = (project / "Makefile").read_text()
    for target in CONTRACT.make_targets:
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), target


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_answers_file_records_the_answers(copie: Copie, framework: str) -> None:
    project = render(
        copie, catalogue.template_dir(framework), framework=framework, project_name="Orders"
    )
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "Orders"
    assert answers["project_slug"] == "orders"
    assert "_src_path" in answers


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_docker_and_ci_can_be_left_out(copie: Copie, framework: str) -> None:
    project = render(
        copie, catalogue.template_dir(framework), framework=framework, docker=False, ci=False
    )
    for name in ("Dockerfile", "compose.yaml", ".dockerignore", ".github"):
        assert not (project / name).exists(), name


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_python_version_sets_requires_python_image_and_ci(copie: Copie, framework: str) -> None:
    project = render(
        copie, catalogue.template_dir(framework), framework=framework, python_version="3.12"
    )
    assert 'requires-python = ">=3.12"' in (project / "pyproject.toml").read_text()
    assert re.search(r"^FROM python:3\.12[.\d]*-slim", (project / "Dockerfile").read_text(), re.M)
    assert '"3.12"' in (project / ".github/workflows/ci.yml").read_text()


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_log_format_answer_is_the_default(copie: Copie, framework: str) -> None:
    project = render(
        copie, catalogue.template_dir(framework), framework=framework, log_format="json"
    )
    assert "LOG_FORMAT` | `json`" in (project / "README.md").read_text()


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_quotes_in_answers_stay_text(copie: Copie, framework: str) -> None:
    text = 'Quote "it" \\ __import__("os") \'single\''
    template = catalogue.template_dir(framework)
    project = render(
        copie, template, framework=framework, project_name=text, description=text, project_slug="q"
    )
    assert tomllib.loads((project / "pyproject.toml").read_text())["project"]["description"] == text
    assert text in (project / "README.md").read_text()
    for path in project.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_repository_root_asks_for_the_framework(
    copie: Copie, repository: Path, framework: str
) -> None:
    project = render(copie, repository, framework=framework)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["framework"] == framework
    assert (project / "Makefile").is_file()


def test_the_next_steps_use_the_contracts_make_targets() -> None:
    answers = {"database": "postgresql"}
    for installed in (False, True):
        for line in CONTRACT.next_lines(answers, installed=installed):
            if line.startswith("make "):
                assert line.split()[1] in CONTRACT.make_targets, line
    assert "make install" not in CONTRACT.next_lines(answers, installed=True)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("auth", ["basic", "token"])
def test_each_auth_option_answers_with_its_declared_scheme(
    copie: Copie, framework: str, auth: str
) -> None:
    project = render(copie, catalogue.template_dir(framework), framework=framework, auth=auth)
    code = "\n".join(
        path.read_text() for path in project.rglob("*.py") if "tests" not in path.parts
    )
    declared = CONTRACT.auth[auth]
    assert re.search(rf"\b{declared.scheme}\b", code), declared.scheme
    for endpoint in declared.endpoints:  # "POST /token": a route named token
        assert re.search(rf"[\"'/]{endpoint.split()[1].strip('/')}[/\"']", code), endpoint
