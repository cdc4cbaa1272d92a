"""What `apigen add resource` accepts: the field types, and the names it refuses, with why.

A resource's name becomes a Python module and class, a URL, a database table and (in Django) an
app; its fields become columns and attributes. Each name is checked here, before anything is
rendered, so a refusal is one line that says which name and why.
"""

import keyword
import re
import sys
from dataclasses import dataclass

from .errors import UsageError

TYPES: dict[str, str] = {
    "str": "short text, 1 to 200 characters",
    "text": "long text, up to 100,000 characters",
    "int": "whole number, at most 2**53 - 1 either way (exact in every JSON client)",
    "float": "floating-point number (finite)",
    "decimal": "exact decimal, 10 digits and 2 decimal places (prices, amounts)",
    "bool": "true or false",
    "date": "calendar date, 2024-05-17",
    "datetime": "date and time with a time zone, 2024-05-17T10:30:00Z",
    "email": "email address, stored lowercase",
}

MAX_NAME = 24  # keeps every generated line within the projects' 100 columns
# The migration's Alembic revision, create_<plural>, must fit alembic_version's 32 characters.
MAX_PLURAL = 25
MAX_FIELD = 30
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words SQL reserves (SQL:2016, PostgreSQL, SQLite, MySQL) that make plausible table or column
# names; a table or column so named needs quoting in every hand-written query.
SQL_RESERVED = _words(
    """
    all alter analyse analyze and any array as asc asymmetric authorization between binary both
    by case cast check collate collation column concurrently constraint create cross
    current_catalog current_date current_role current_schema current_time current_timestamp
    current_user default deferrable delete desc distinct do drop else end except exists false
    fetch for foreign freeze from full grant group having ilike in index initially inner insert
    intersect into is isnull join key lateral leading left like limit localtime localtimestamp
    natural not notnull null offset on only or order outer overlaps placing primary references
    returning right row rows select session_user similar some symmetric system_user table
    tablesample then to trailing transaction trigger true union unique update user using values
    variadic verbose view when where window with
    """
)

# Attributes the models and schemas already have (SQLAlchemy, Pydantic, Django, marshmallow),
# and the columns every resource gets.
RESERVED_FIELDS = _words(
    """
    id pk created_at owner owner_id objects metadata registry query dict json copy schema
    construct validate fields save clean delete refresh_from_db full_clean serializable_value
    """
)

# Module, URL and app names the projects already use, in any of the three frameworks.
PROJECT_NAMES = _words(
    """
    user users health secure auth token tokens docs redoc openapi schema static admin api core
    resources resource models schemas crud main cli management config settings urls tests test
    migrations alembic extensions errors access deps responses login app apps wsgi asgi manage
    """
)

# The frameworks' and libraries' own top-level packages: a Django app of that name shadows them.
FRAMEWORK_NAMES = _words(
    """
    fastapi starlette pydantic pydantic_settings sqlalchemy alembic uvicorn flask werkzeug
    flask_smorest marshmallow webargs apispec django rest_framework drf_spectacular gunicorn
    pytest httpx limits pwdlib argon2 jwt email_validator psycopg asyncpg aiosqlite
    """
)


@dataclass(frozen=True)
class Field:
    """One `NAME:TYPE[?]` of the command line."""

    name: str
    type: str
    optional: bool

    @property
    def spec(self) -> str:
        return f"{self.name}:{self.type}{'?' if self.optional else ''}"


@dataclass(frozen=True)
class Names:
    """Every name a resource gets from its singular snake_case name."""

    resource: str
    plural: str

    @property
    def class_name(self) -> str:
        return "".join(part.capitalize() for part in self.resource.split("_"))

    @property
    def answers_file(self) -> str:
        return f".copier-answers.resource.{self.resource}.yml"


def pluralize(name: str) -> str:
    """English plural: category -> categories, box -> boxes, product -> products."""
    if re.search(r"[^aeiou]y$", name):
        return name[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", name):
        return name + "es"
    return name + "s"


def parse_field(spec: str) -> Field:
    name, separator, kind = spec.partition(":")
    if not separator or not name or not kind:
        raise UsageError(f"field {spec!r}: write NAME:TYPE, e.g. price:decimal or notes:text?")
    optional = kind.endswith("?")
    kind = kind.removesuffix("?")
    if kind not in TYPES:
        known = ", ".join(TYPES)
        raise UsageError(f"field {name}: unknown type {kind!r}; the types are {known}")
    check_field_name(name)
    return Field(name, kind, optional)


def parse_fields(specs: list[str]) -> tuple[Field, ...]:
    if not specs:
        raise UsageError("give at least one field, e.g. name:str price:decimal")
    fields = tuple(parse_field(spec) for spec in specs)
    seen: set[str] = set()
    for field in fields:
        if field.name in seen:
            raise UsageError(f"field {field.name} is given twice")
        seen.add(field.name)
    return fields


def check_field_name(name: str) -> None:
    if not _SNAKE.fullmatch(name) or len(name) > MAX_FIELD:
        raise UsageError(
            f"field {name!r}: a field name is snake_case (a lowercase letter, then lowercase "
            f"letters, digits and single underscores), at most {MAX_FIELD} characters"
        )
    _refuse_keyword(f"field {name}", name)
    if name in SQL_RESERVED:
        raise UsageError(f"field {name}: {name!r} is an SQL reserved word; choose another name")
    if name in RESERVED_FIELDS or name.startswith(("model_", "_")):
        raise UsageError(
            f"field {name}: every resource already has {name!r} (or its models use the name); "
            "choose another name"
        )


def names_of(resource: str, plural: str | None = None) -> Names:
    """The resource's names, checked: a refusal says which name and why, in one line."""
    if not _SNAKE.fullmatch(resource) or len(resource) > MAX_NAME:
        raise UsageError(
            f"resource {resource!r}: the name is singular snake_case (a lowercase letter, then "
            f"lowercase letters, digits and single underscores), at most {MAX_NAME} characters, "
            "e.g. product or order_line"
        )
    plural = plural or pluralize(resource)
    if not _SNAKE.fullmatch(plural) or len(plural) > MAX_PLURAL or plural == resource:
        raise UsageError(
            f"plural {plural!r}: snake_case, different from the name, at most {MAX_PLURAL} "
            "characters (the migration's revision, create_<plural>, has 32 at most); choose a "
            "shorter name or give --plural"
        )
    for what, name in (("resource", resource), ("plural", plural)):
        _refuse_keyword(f"{what} {name}", name)
        if name in PROJECT_NAMES:
            raise UsageError(
                f"{what} {name}: the project already uses {name!r} (a module, route or app of "
                "the template); choose another name"
            )
        if name in FRAMEWORK_NAMES or name in sys.stdlib_module_names:
            raise UsageError(
                f"{what} {name}: {name!r} would shadow the Python module of that name, which the "
                "project or its framework imports; choose another name"
            )
    if plural in SQL_RESERVED:
        raise UsageError(
            f"resource {resource}: its table would be {plural!r}, an SQL reserved word; "
            "choose another name or give --plural"
        )
    return Names(resource, plural)


def _refuse_keyword(what: str, name: str) -> None:
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise UsageError(f"{what}: {name!r} is a Python keyword; choose another name")
