"""Answers: from `--data key=value` to checked values, and back to text for the user.

Checked before anything is rendered, against the options copier.yml declares, so a typo gets a
"did you mean" and nothing is written.
"""

import difflib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from .catalogue import Option
from .errors import ApigenError, UsageError

ANSWERS_FILE = ".copier-answers.yml"  # a generated project's answers, as copier records them

TRUE_WORDS = frozenset({"true", "yes", "y", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "off", "0"})


def parse_data(pairs: Iterable[str]) -> dict[str, str]:
    """Turn repeated `--data key=value` into answers."""
    data: dict[str, str] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key.strip():
            raise UsageError(f"--data expects key=value, got {pair!r}")
        data[key.strip()] = value
    return data


def check_answers(data: Mapping[str, str], options: Sequence[Option]) -> None:
    """Refuse unknown keys and values outside the choices before anything is rendered."""
    known = {option.name: option for option in options}
    for key, value in data.items():
        option = known.get(key)
        if option is None:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"
            raise UsageError(f"unknown option {key!r}{hint}")
        if "\x00" in value:
            raise UsageError(f"{key} must not contain a null byte")
        if option.choices and value not in option.choices:
            raise UsageError(f"{key} must be one of: {', '.join(option.choices)} (got {value!r})")
        if option.type == "bool" and value.lower() not in TRUE_WORDS | FALSE_WORDS:
            raise UsageError(f"{key} must be true or false (got {value!r})")


def missing_answers(data: Mapping[str, str], options: Sequence[Option]) -> list[str]:
    """The questions `data` leaves open (secrets are never asked: apigen makes them)."""
    return [o.name for o in options if o.name not in data and not o.secret]


def as_text(value: Any) -> str:
    """An answer as `--data` takes it back: booleans as true/false."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def summary(answers: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={as_text(value)}" for key, value in answers.items())


def read_answers_file(project: Path, error: type[ApigenError], missing: str) -> dict[str, Any]:
    """A generated project's recorded answers, or `error`: `missing` says what a directory
    without them means for the command at hand."""
    if not project.is_dir():
        raise error(f"{project} is not a directory", exit_code=2)
    path = project / ANSWERS_FILE
    if not path.is_file():
        raise error(f"{project} has no {ANSWERS_FILE}: {missing}", exit_code=2)
    try:
        answers = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as failure:
        raise error(f"cannot read {path}: {failure}") from failure
    if not isinstance(answers, dict):
        raise error(f"{path} holds no answers")
    return answers
