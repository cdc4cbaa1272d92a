"""Which projects CI generates, derived from the option file (templates/shared/copier.yml).

Every template gets the full product of the options that change its code (database x auth);
the options that only change files or defaults (python_version, log_format, docker, ci), and
tasks and admin (code beside the rest: test_tasks.py and test_admin.py), are spread over those
projects so that every value of every option is generated at least once; docker turns a step
behind the others, so that the last project deploys everything together (compose, Kubernetes,
the worker).
An option that only some answers allow (kubernetes: docker and PostgreSQL) is on wherever the
option file's own validator accepts it, and off elsewhere: the matrix holds no refused project.
The first project (all defaults) and the one with every non-default code option are also
served and checked against the HTTP contract.
"""

from dataclasses import dataclass, field
from functools import cache
from itertools import product
from typing import Any

import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from apigen import catalogue

CODE_OPTIONS = ("database", "auth")
SPREAD_OPTIONS = ("python_version", "log_format", "docker", "ci", "tasks", "admin")
CONDITIONAL_OPTIONS = ("kubernetes",)
LAGGING_OPTIONS = ("docker",)


@dataclass(frozen=True)
class ProjectSpec:
    framework: str
    answers: dict[str, str] = field(hash=False)
    served: bool

    @property
    def id(self) -> str:
        code = "-".join(self.answers[name] for name in CODE_OPTIONS)
        return f"{self.framework}-{code}"


def _values(name: str) -> list[str]:
    option = catalogue.option(name)
    assert option is not None, f"{name} is not in the option file"
    if option.type == "bool":
        return ["true", "false"] if option.default else ["false", "true"]
    default = str(option.default)
    return [default, *(choice for choice in option.choices if choice != default)]


@cache
def _validators() -> dict[str, str]:
    path = catalogue.source_root() / "templates" / "shared" / "copier.yml"
    questions = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        name: question["validator"]
        for name, question in questions.items()
        if isinstance(question, dict) and "validator" in question
    }


def refusal(name: str, answers: dict[str, str]) -> str:
    """What the option file's validator of `name` says to these answers ("": accepted), rendered
    as copier renders it (booleans as booleans)."""
    context: dict[str, Any] = {}
    for key, value in answers.items():
        option = catalogue.option(key)
        context[key] = value == "true" if option and option.type == "bool" else value
    environment = SandboxedEnvironment(undefined=StrictUndefined)
    return environment.from_string(_validators()[name]).render(context).strip()


def project_specs() -> list[ProjectSpec]:
    specs = []
    for framework in catalogue.frameworks():
        code_products = list(product(*(_values(name) for name in CODE_OPTIONS)))
        for index, code_values in enumerate(code_products):
            answers = dict(zip(CODE_OPTIONS, code_values, strict=True))
            for name in SPREAD_OPTIONS:
                values = _values(name)
                step = index + (index // len(values) if name in LAGGING_OPTIONS else 0)
                answers[name] = values[step % len(values)]
            for name in CONDITIONAL_OPTIONS:
                default, wanted = _values(name)
                trial = {"framework": framework} | answers | {name: wanted}
                answers[name] = default if refusal(name, trial) else wanted
            served = index in (0, len(code_products) - 1)
            specs.append(ProjectSpec(framework, answers, served))
    return specs


def covered_values() -> dict[str, set[str]]:
    """Each option's values that the specs generate (a test checks nothing is left out)."""
    covered: dict[str, set[str]] = {}
    for spec in project_specs():
        for name, value in spec.answers.items():
            covered.setdefault(name, set()).add(value)
    return covered
