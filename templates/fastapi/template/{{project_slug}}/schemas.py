"""Request and response bodies. Input is strict: unknown fields and wrong types are refused."""

from datetime import UTC, datetime
from typing import Annotated, Any, Self

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

# Text that a database can store: no NUL (PostgreSQL refuses it) and no lone surrogate (not
# encodable as UTF-8). The pattern also tells clients, in the schema, that NUL is refused.
NO_NUL = "^[^\\u0000]*$"


def _encodable(value: str) -> str:
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return value


Name = Annotated[
    str, Field(min_length=1, max_length=100, pattern=NO_NUL), AfterValidator(_encodable)
]


def _email(value: str) -> str:
    """An address by its syntax, as OpenAPI's `email` format means (no DNS, reserved domains
    such as .test allowed), stored lowercase."""
    try:
        address = validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise ValueError(f"not a valid email address: {error}") from None
    return address.normalized.lower()


Email = Annotated[
    str,
    Field(max_length=254, pattern=NO_NUL, json_schema_extra={"format": "email"}),
    AfterValidator(_encodable),
    AfterValidator(_email),
]
Password = Annotated[
    str, Field(min_length=8, max_length=128, pattern=NO_NUL), AfterValidator(_encodable)
]


def _whole_number(value: object) -> object:
    """JSON counts 30.0 as an integer, as JSON Schema does; text and booleans stay refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Age = Annotated[int, Field(ge=0, le=150), BeforeValidator(_whole_number)]


def _as_utc(value: datetime) -> datetime:
    """SQLite forgets time zones; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class StrictInput(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class UserCreate(StrictInput):
    name: Name
    email: Email
    password: Password
    age: Age | None = None


def _offer_no_null(schema: dict[str, Any]) -> None:
    """Keep null out of the schema of a field that refuses it, yet keep the field a plain
    optional: a union type would name its branches in validation errors' `loc`."""
    (offered,) = [branch for branch in schema.pop("anyOf") if branch.get("type") != "null"]
    schema.update(offered)


NotNull = Field(json_schema_extra=_offer_no_null)


class UserUpdate(StrictInput):
    # Omitted means unchanged; null is refused (the schema does not offer it), except for age.
    name: Annotated[Name | None, NotNull] = None
    email: Annotated[Email | None, NotNull] = None
    password: Annotated[Password | None, NotNull] = None
    age: Age | None = None

    @model_validator(mode="after")
    def refuse_null_for_required_fields(self) -> Self:
        for field in ("name", "email", "password"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise ValueError(f"{field} must not be null")
        return self


class User(BaseModel):
    """An account as the API shows it: never its password hash, never its role."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: Annotated[str, Field(json_schema_extra={"format": "email"})]
    age: int | None
    created_at: UtcDatetime


class TokenRequest(BaseModel):
    """The OAuth2 password form of POST /token: the account's email as `username`. An empty
    field is a missing one (as FastAPI reads forms): 422 in all three templates."""

    username: Annotated[str, Field(min_length=1)]
    password: Annotated[str, Field(min_length=1)]


class Token(BaseModel):
    access_token: str
    token_type: str


class Message(BaseModel):
    message: str


class Health(BaseModel):
    status: str
