"""apigen's command line, through typer's CliRunner: answers in, project or one clear error out."""

import json
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
from copier.errors import ConfigFileError, ForbiddenPathError, InteractiveSessionError
from typer.testing import CliRunner

from apigen import __version__, _version, copier_api, generation, install, store
from apigen.cli import app
from apigen.errors import ApigenError, TemplateError, UpdateError, UsageError

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


def test_dry_run_lists_files_and_writes_nothing(tmp_path: Path) -> None:
    code, output, _ = run("new", str(tmp_path / "api"), "-f", "fastapi", "--defaults", "--dry-run")
    assert code == 0
    assert "pyproject.toml" in output
    assert "Dockerfile" in output
    assert snapshot(tmp_path) == []


def test_list_shows_every_option_with_choices() -> None:
    code, output, _ = run("list")
    assert code == 0
    assert "fastapi" in output
    assert "text | json" in output
    assert "secret_key" not in output


def test_list_as_json() -> None:
    code, output, _ = run("list", "--json")
    assert code == 0
    listing = json.loads(output)
    assert "fastapi" in listing["frameworks"]
    database = next(option for option in listing["options"] if option["name"] == "database")
    assert database["default"] == "sqlite"
    assert "sqlite" in database["choices"]


def test_force_adds_the_project_and_keeps_the_users_files(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("my notes")
    code, output, _ = run("new", str(tmp_path), "-f", "fastapi", "--defaults", "--force")
    assert code == 0
    assert "README.md (yours, kept)" in output
    assert (tmp_path / "README.md").read_text() == "my notes"
    assert (tmp_path / "pyproject.toml").is_file()


def test_force_with_overwrite_replaces_the_users_files(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("my notes")
    code, _, _ = run("new", str(tmp_path), "-f", "fastapi", "--defaults", "--force", "--overwrite")
    assert code == 0
    assert (tmp_path / "README.md").read_text() != "my notes"


def test_overwrite_needs_force(tmp_path: Path) -> None:
    code, _, error = run("new", str(tmp_path / "api"), "--defaults", "--overwrite")
    assert code == 2
    assert "--force" in error


def test_the_project_starts_as_a_git_repository(tmp_path: Path) -> None:
    destination = tmp_path / "api"
    assert run("new", str(destination), "-f", "fastapi", "--defaults")[0] == 0
    log = subprocess.run(
        ["git", "log", "--oneline"], cwd=destination, capture_output=True, text=True, check=True
    )
    assert "Initial project from apigen" in log.stdout
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=destination, capture_output=True, text=True
    )
    assert status.stdout == ""


def test_no_git_leaves_git_out(tmp_path: Path) -> None:
    destination = tmp_path / "api"
    assert run("new", str(destination), "-f", "fastapi", "--defaults", "--no-git")[0] == 0
    assert not (destination / ".git").exists()


def test_secret_key_is_per_project_and_never_recorded(tmp_path: Path) -> None:
    keys = []
    for name in ("one", "two"):
        assert run("new", str(tmp_path / name), "-f", "fastapi", "--defaults", "--no-git")[0] == 0
        env = (tmp_path / name / ".env").read_text()
        keys.append(env.split("SECRET_KEY=")[1].strip())
        assert keys[-1] not in (tmp_path / name / ".copier-answers.yml").read_text()
    assert keys[0] != keys[1]
    assert all(len(key) >= 48 for key in keys)


def project_files(project: Path) -> dict[str, str]:
    """Every file of a project but its own secrets (.env) and git's files."""
    return {
        str(path.relative_to(project)): path.read_text()
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.parts and path.name != ".env"
    }


def printed_command(output: str, program: str) -> list[str]:
    line = next(line for line in output.splitlines() if line.strip().startswith(program))
    return shlex.split(line)


def test_the_printed_command_makes_the_same_project(tmp_path: Path) -> None:
    first = tmp_path / "first"
    code, output, _ = run(
        "new",
        str(first),
        "-f",
        "fastapi",
        "--defaults",
        "--no-git",
        "-d",
        "project_name=Pay 'n' Go",
        "-d",
        "log_format=json",
        "-d",
        "docker=false",
    )
    assert code == 0
    assert "docker=false" in next(
        line for line in output.splitlines() if line.startswith("Answers:")
    )
    apigen_command = printed_command(output, "apigen new")
    assert apigen_command[2] == str(first)
    assert run("new", str(tmp_path / "second"), *apigen_command[3:], "--no-git")[0] == 0
    # A release offers `copier copy` of its tag (tests/test_release.py runs it); a development
    # build's templates are published nowhere, so it offers none.
    assert ("copier copy" in output) == _version.is_release(__version__)
    answers = yaml.safe_load(project_files(first)[".copier-answers.yml"])
    assert answers["log_format"] == "json"
    # The same answers; the templates of a checkout may have changed meanwhile (a new _commit).
    again = yaml.safe_load((tmp_path / "second" / ".copier-answers.yml").read_text())
    assert again | {"_commit": None} == answers | {"_commit": None}


def test_a_release_offers_copier_copy_of_its_tag_from_the_recorded_source(tmp_path: Path) -> None:
    project = generation.Project(
        destination=tmp_path / "pay",
        answers={"framework": "flask", "project_name": "Pay 'n' Go"},
        files=(),
        source=store.Source(url=str(tmp_path / "store"), ref="v0.2.0"),
        recorded_source="https://example.org/apigen",
    )
    copier_command = shlex.split(project.reproduce_commands()[1])
    assert copier_command[:5] == ["copier", "copy", "--vcs-ref", "v0.2.0", "--defaults"]
    assert "project_name=Pay 'n' Go" in copier_command
    assert copier_command[-2:] == ["https://example.org/apigen", str(tmp_path / "pay")]


def test_usage_names_the_destination_plainly() -> None:
    code, output, _ = run("new", "--help")
    assert code == 0
    assert " new [OPTIONS] DEST\n" in output


def next_steps(output: str) -> list[str]:
    return [line.strip() for line in output.split("\nNext:\n", 1)[1].splitlines()]


def test_next_steps_for_sqlite(tmp_path: Path) -> None:
    code, output, _ = run("new", str(tmp_path / "api"), "-f", "flask", "--defaults", "--no-git")
    assert code == 0
    steps = next_steps(output)
    assert steps[:3] == [f"cd {tmp_path / 'api'}", "make install", "make migrate"]
    assert "make createuser EMAIL=admin@example.com PASSWORD='a long password'" in steps
    assert steps[-1].startswith("make run")
    assert "http://127.0.0.1:8000/docs" in steps[-1]
    assert not any("PostgreSQL" in step for step in steps)


def test_next_steps_for_postgresql_say_the_database_must_be_there(tmp_path: Path) -> None:
    destination = tmp_path / "api"
    code, output, _ = run(
        "new", str(destination), "-f", "drf", "--defaults", "--no-git", "-d", "database=postgresql"
    )
    assert code == 0
    steps = next_steps(output)
    note = next(step for step in steps if "PostgreSQL" in step)
    assert "DATABASE_URL in .env" in note
    assert steps.index(note) < steps.index("make migrate")


def test_next_steps_for_the_hybrid_name_the_django_admin(tmp_path: Path) -> None:
    code, output, _ = run("new", str(tmp_path / "api"), "-f", "hybrid", "--defaults", "--no-git")
    assert code == 0
    steps = next_steps(output)
    assert "http://127.0.0.1:8000/docs" in next(s for s in steps if s.startswith("make run"))
    assert "http://127.0.0.1:8001/admin/" in steps[-1]
    assert (tmp_path / "api" / "manage.py").is_file()


def test_inside_another_repository_the_project_gets_its_own(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    outer.mkdir()
    subprocess.run(["git", "init", "--quiet"], cwd=outer, check=True)
    destination = outer / "api"
    code, output, _ = run("new", str(destination), "-f", "fastapi", "--defaults")
    assert code == 0
    assert "git repository initialised" in output
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=destination,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(top.stdout.strip()) == destination.resolve()
    log = subprocess.run(
        ["git", "log", "--oneline"], cwd=destination, capture_output=True, text=True, check=True
    )
    assert "Initial project from apigen" in log.stdout
    outer_log = subprocess.run(["git", "log"], cwd=outer, capture_output=True, text=True)
    assert outer_log.returncode != 0  # the surrounding repository got no commit


def test_install_shows_each_line_as_progress_and_stops_at_a_failure(tmp_path: Path) -> None:
    steps = (
        install.Step("First", ("sh", "-c", "echo resolving; echo building")),
        install.Step("Second", ("sh", "-c", "echo broken >&2; exit 3")),
        install.Step("Never", ("sh", "-c", "echo never")),
    )
    shown: list[str] = []
    outcomes = install.run_steps(tmp_path, steps, shown.append)
    assert [outcome.returncode for outcome in outcomes] == [0, 3]
    assert "broken" in outcomes[1].tail
    assert any(line.startswith("First") and line.endswith(": resolving") for line in shown)
    assert any(line.endswith(": building") for line in shown)
    assert not any(line.startswith("Never") for line in shown)


@pytest.mark.parametrize(
    ("raised", "expected", "message"),
    [
        (ValueError("Validation error for question 'project_slug': Bad."), UsageError, "Bad."),
        (ValueError("Invalid choice for 'auth': 'x' is not in ['basic']"), UsageError, "auth"),
        (ConfigFileError("copier.yml: invalid"), TemplateError, "invalid"),
        (ForbiddenPathError(path=Path("../x")), TemplateError, "x"),
        (InteractiveSessionError("Use --defaults"), UsageError, "no terminal"),
    ],
)
def test_copier_errors_are_translated_precisely(
    raised: Exception, expected: type[ApigenError], message: str
) -> None:
    """A refused answer is the user's (exit 2); a broken template is not, though copier raises
    a ValueError subclass for both."""
    with pytest.raises(ApigenError) as caught, copier_api.translated_errors(TemplateError):
        raise raised
    assert type(caught.value) is expected
    assert message in str(caught.value)
    assert caught.value.exit_code == (2 if expected is UsageError else 1)


def test_an_update_error_is_not_a_generation_error() -> None:
    assert not issubclass(UpdateError, TemplateError | UsageError)
    assert UpdateError("x", exit_code=2).exit_code == 2
