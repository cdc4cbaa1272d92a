"""apigen's command line, through typer's CliRunner: answers in, project or one clear error out."""

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from apigen import __version__
from apigen.cli import app

runner = CliRunner()


def run(*arguments: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(arguments))
    return result.exit_code, result.stdout, result.stderr


def snapshot(directory: Path) -> list[str]:
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*"))


def test_version() -> None:
    assert run("--version") == (0, f"apigen {__version__}\n", "")


@pytest.mark.parametrize("arguments", [["--help"], ["new", "--help"]])
def test_help_has_an_example(arguments: list[str]) -> None:
    code, output, _ = run(*arguments)
    assert code == 0
    assert "apigen new my-api" in output


def test_new_with_defaults_writes_the_project(tmp_path: Path) -> None:
    destination = tmp_path / "my-api"
    code, output, _ = run("new", str(destination), "--framework", "fastapi", "--defaults")
    assert code == 0
    assert "make install" in output
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text())
    assert answers["framework"] == "fastapi"
    assert answers["project_slug"] == "my_api"
    assert (destination / "my_api" / "main.py").is_file()
    assert [path.name for path in tmp_path.iterdir()] == ["my-api"]  # no staging left behind


def test_data_answers_reach_the_project(tmp_path: Path) -> None:
    destination = tmp_path / "service"
    code, _, _ = run(
        "new",
        str(destination),
        "--defaults",
        "-d",
        "framework=fastapi",
        "-d",
        "project_name=Billing Service",
        "-d",
        "docker=false",
    )
    assert code == 0
    assert (destination / "billing_service").is_dir()
    assert not (destination / "Dockerfile").exists()


def test_an_empty_existing_directory_is_used(tmp_path: Path) -> None:
    code, _, _ = run("new", str(tmp_path), "--framework", "fastapi", "--defaults")
    assert code == 0
    assert (tmp_path / "pyproject.toml").is_file()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--data", "frameworkk=fastapi"], "did you mean 'framework'"),
        (["--framework", "rails"], "framework must be one of: fastapi"),
        (["--data", "database=oracle"], "database must be one of"),
        (["--data", "docker=maybe"], "docker must be true or false"),
        (["--data", "project_slug=1-bad"], "valid Python package name"),
        (["--data", "project_slug=class"], "keyword"),
        (["--data", "project_name="], "must not be empty"),
        (["--data", "project_name=" + "x" * 81], "at most 80"),
        (["--data", "project_name=a\x00b"], "null byte"),
        (["--data", "project_slug=../evil"], "valid Python package name"),
        (["--data", "no-equals-sign"], "expects key=value"),
    ],
)
def test_bad_answers_are_refused_with_nothing_written(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    code, output, error = run("new", str(tmp_path / "api"), "--defaults", *arguments)
    assert code == 2
    assert message in error
    assert len(error.strip().splitlines()) == 1
    assert "Traceback" not in output + error
    assert snapshot(tmp_path) == []


def test_a_non_empty_destination_is_refused_and_kept(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code, _, error = run("new", str(tmp_path), "--framework", "fastapi", "--defaults")
    assert code == 2
    assert "not empty" in error
    assert snapshot(tmp_path) == ["notes.txt"]
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_destination_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    code, _, error = run("new", str(target), "--defaults")
    assert code == 2
    assert "not a directory" in error


def test_without_a_terminal_missing_answers_are_named(tmp_path: Path) -> None:
    code, _, error = run("new", str(tmp_path / "api"), "--framework", "fastapi")
    assert code == 2
    assert "no terminal" in error
    assert "project_name" in error
    assert "framework," not in error  # given, so not missing
    assert snapshot(tmp_path) == []
