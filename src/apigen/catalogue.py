"""The template catalogue: where the templates live and which options they share.

The options are read from the copier files themselves (the root copier.yml and
templates/shared/copier.yml), so a question, its choices and its default are declared once.
This module must stay cheap to import: `apigen --help` and `apigen --version` load it, not copier.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .errors import TemplateError

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_SOURCE = PACKAGE_DIR / "bundled"  # where the wheel carries copier.yml and templates/
CHECKOUT_SOURCE = PACKAGE_DIR.parents[1]  # the repository, when running from a checkout


@dataclass(frozen=True)
class Option:
    """One copier question, as apigen shows and checks it."""

    name: str
    help: str
    type: str
    default: Any
    choices: tuple[str, ...] = ()
    secret: bool = False

    @property
    def shown_default(self) -> Any:
        """The default as a person reads it: a Jinja expression is derived from other answers."""
        if isinstance(self.default, str) and "{" in self.default:
            return "(derived from other answers)"
        return self.default


class _CopierLoader(yaml.SafeLoader):
    """Reads copier.yml without following `!include` (copier does that when it renders)."""


_CopierLoader.add_constructor("!include", lambda loader, node: None)


def source_root() -> Path:
    """The template source: bundled in an installed wheel, else the checkout apigen runs from."""
    for root in (BUNDLED_SOURCE, CHECKOUT_SOURCE):
        if (root / "copier.yml").is_file() and (root / "templates").is_dir():
            return root
    raise TemplateError(
        f"apigen's templates are missing (looked in {BUNDLED_SOURCE} and {CHECKOUT_SOURCE}); "
        "reinstall apigen"
    )


def _questions(path: Path) -> dict[str, dict[str, Any]]:
    questions: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8") as file:
        for document in yaml.load_all(file, Loader=_CopierLoader):
            for key, value in (document or {}).items():
                if (
                    not key.startswith("_")
                    and isinstance(value, dict)
                    and value.get("when") is not False
                ):
                    questions[key] = value
    return questions


def _option(name: str, question: dict[str, Any]) -> Option:
    choices = question.get("choices") or ()
    values = choices.values() if isinstance(choices, dict) else choices
    return Option(
        name=name,
        help=str(question.get("help", name)),
        type=str(question.get("type", "str")),
        default=question.get("default"),
        choices=tuple(str(value) for value in values),
        secret=bool(question.get("secret", False)),
    )


@cache
def options() -> tuple[Option, ...]:
    """Every question `apigen new` asks, framework first, in the order copier asks them."""
    root = source_root()
    questions = _questions(root / "copier.yml") | _questions(
        root / "templates" / "shared" / "copier.yml"
    )
    return tuple(_option(name, question) for name, question in questions.items())


def option(name: str) -> Option | None:
    return next((candidate for candidate in options() if candidate.name == name), None)


def frameworks() -> tuple[str, ...]:
    framework = option("framework")
    return framework.choices if framework else ()


# The hybrid stack is the FastAPI template with Django beside it, rendered with framework=hybrid
# (the root copier.yml's _subdirectory says the same).
_TEMPLATE_OF = {"hybrid": "fastapi"}


def template_dir(framework: str) -> Path:
    """The template folder that renders `framework`, given `framework` among the answers."""
    return source_root() / "templates" / _TEMPLATE_OF.get(framework, framework)
