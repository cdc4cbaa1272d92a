"""Every compose.yaml the templates can render (each framework, database and tasks answer)
is valid against the Compose Specification's JSON schema (tests/schemas/, vendored), and
starts what it says: the app, PostgreSQL when chosen, Redis and the worker with tasks=true."""

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator
from pytest_copie.plugin import Copie

from apigen import catalogue

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "compose-spec.json").read_text())


@pytest.mark.parametrize("tasks", [False, True])
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@pytest.mark.parametrize("framework", catalogue.frameworks())
def test_compose_files_follow_the_compose_specification(
    copie: Copie, framework: str, database: str, tasks: bool
) -> None:
    result = copie.copy(
        extra_answers={
            "framework": framework,
            "database": database,
            "tasks": tasks,
            "docker": True,
        },
        template_dir=catalogue.template_dir(framework),
    )
    assert result.exception is None, result.exception
    assert result.project_dir is not None
    compose = yaml.safe_load((result.project_dir / "compose.yaml").read_text())
    errors = sorted(Draft7Validator(SCHEMA).iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    expected = {"app"} | ({"db"} if database == "postgresql" else set())
    expected |= {"redis", "worker"} if tasks else set()
    assert set(compose["services"]) == expected
    if tasks:
        for service in ("app", "worker"):
            assert compose["services"][service]["environment"]["REDIS_URL"] == (
                "redis://redis:6379/0"
            )
            assert "redis" in compose["services"][service]["depends_on"]
