"""Answers: from `--data key=value` to checked values, and back to text for the user.

Checked before anything is rendered, against the options copier.yml declares, so a typo gets a
"did you mean" and nothing is written.
"""

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .catalogue import Option
from .errors import UsageError

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
