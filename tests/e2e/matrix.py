"""Which projects CI generates, derived from the option file (templates/shared/copier.yml).

Every template gets the full product of the options that change its code (database x auth);
the options that only change files or defaults (python_version, log_format, docker, ci) are
spread over those projects so that every value of every option is generated at least once.
The first project (all defaults) and the one with every non-default code option are also
served and checked against the HTTP contract.
"""

from dataclasses import dataclass, field
from itertools import product

from apigen import catalogue

CODE_OPTIONS = ("database", "auth")
SPREAD_OPTIONS = ("python_version", "log_format", "docker", "ci")


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


def project_specs() -> list[ProjectSpec]:
    specs = []
    for framework in catalogue.frameworks():
        code_products = list(product(*(_values(name) for name in CODE_OPTIONS)))
        for index, code_values in enumerate(code_products):
            answers = dict(zip(CODE_OPTIONS, code_values, strict=True))
            for name in SPREAD_OPTIONS:
                values = _values(name)
                answers[name] = values[index % len(values)]
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
