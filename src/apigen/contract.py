"""The template contract, declared once in templates/shared/contract.yml: the make targets, the
endpoints, the authentication scheme per option and the next steps. The command line prints from
it, so it holds no knowledge of the templates itself."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .answers import as_text
from .errors import TemplateError

CONTRACT_FILE = Path("templates") / "shared" / "contract.yml"


@dataclass(frozen=True)
class Auth:
    scheme: str  # of WWW-Authenticate on a 401
    endpoints: tuple[str, ...]


@dataclass(frozen=True)
class NextStep:
    run: str | None
    note: str | None
    when: Mapping[str, str]  # only for projects with these answers
    install: bool  # done by `apigen new --install`


@dataclass(frozen=True)
class Contract:
    docs_url: str
    make_targets: tuple[str, ...]
    endpoints: tuple[str, ...]
    auth: Mapping[str, Auth]
    next_steps: tuple[NextStep, ...]

    def next_lines(self, answers: Mapping[str, Any], *, installed: bool) -> list[str]:
        """The steps that apply to a project with `answers`: commands, with notes as comments."""
        lines = []
        for step in self.next_steps:
            if installed and step.install:
                continue
            if any(as_text(answers.get(key)) != value for key, value in step.when.items()):
                continue
            note = step.note.format(docs_url=self.docs_url) if step.note else None
            if step.run and note:
                lines.append(f"{step.run:<14} # {note}")
            else:
                lines.append(step.run or f"# {note}")
        return lines


@cache
def load(root: Path) -> Contract:
    """The contract of the templates under `root` (a source root: copier.yml and templates/)."""
    path = root / CONTRACT_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Contract(
            docs_url=str(data["docs_url"]),
            make_targets=tuple(data["make_targets"]),
            endpoints=tuple(data["endpoints"]),
            auth={
                name: Auth(str(auth["scheme"]), tuple(auth["endpoints"]))
                for name, auth in data["auth"].items()
            },
            next_steps=tuple(_next_step(step) for step in data["next_steps"]),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as error:
        raise TemplateError(f"cannot read the template contract {path}: {error}") from error


def _next_step(step: Mapping[str, Any]) -> NextStep:
    when = {str(key): as_text(value) for key, value in (step.get("when") or {}).items()}
    note = step.get("note")
    run = step.get("run")
    return NextStep(
        run=None if run is None else str(run),
        note=None if note is None else str(note),
        when=when,
        install=bool(step.get("install", False)),
    )
