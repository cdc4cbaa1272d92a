"""Request and response bodies (marshmallow), named as the OpenAPI components every apigen
template shares (User, UserCreate, UserUpdate, Error, HTTPValidationError...). Input is strict:
unknown fields, nulls and wrong types are refused; the TypedDicts describe what a schema loads."""

from datetime import UTC, datetime
from typing import Any, TypedDict

from email_validator import EmailNotValidError, validate_email
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

NO_NUL_PATTERN = "^[^\\u0000]*$"


class Text(fields.String):
    """A string that can be stored: refuses lone surrogates, which UTF-8 cannot encode, and
    NUL characters, which PostgreSQL cannot store."""

    refuse_nul = True

    def __init__(self, **kwargs: Any) -> None:
        if self.refuse_nul:  # the schema says so (OpenAPI `pattern`)
            kwargs["metadata"] = {**kwargs.get("metadata", {}), "pattern": NO_NUL_PATTERN}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode()
        except UnicodeEncodeError:
            raise self.make_error("invalid_utf8") from None
        if self.refuse_nul and "\x00" in text:
            raise ValidationError("Must not contain NUL characters.")
        return text


class Email(Text, fields.Email):
    """An address by its syntax, as OpenAPI's `email` format means (email-validator, as in the
    other templates: no DNS, reserved domains such as .test allowed), stored lowercase."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, validate.Email)]

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            address = validate_email(text, check_deliverability=False, test_environment=True)
        except EmailNotValidError:
            raise self.make_error("invalid") from None
        return address.normalized.lower()


class StrictInteger(fields.Integer):
    """A JSON integer: refuses strings, floats and booleans (Python counts those as ints)."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class UtcDateTime(fields.DateTime):
    """ISO 8601 in UTC: SQLite forgets the time zone (every stored time is UTC), and
    PostgreSQL answers in the session's time zone."""

    def _serialize(
        self, value: Any, attr: str | None, obj: Any, **kwargs: Any
    ) -> str | float | None:
        if isinstance(value, datetime):
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def name_field(**kwargs: Any) -> Text:
    return Text(validate=validate.Length(min=1, max=100), **kwargs)


def email_field(**kwargs: Any) -> Email:
    return Email(validate=validate.Length(max=254), **kwargs)


def password_field(**kwargs: Any) -> Text:
    return Text(validate=validate.Length(min=8, max=128), load_only=True, **kwargs)


def age_field(**kwargs: Any) -> StrictInteger:
    return StrictInteger(validate=validate.Range(min=0, max=150), allow_none=True, **kwargs)


class StrictInput(Schema):
    class Meta:
        unknown = RAISE


class Output(Schema):
    """An answer's body: the schema says which fields it has, and promises no others."""

    class Meta:
        unknown = EXCLUDE  # (RAISE would document `additionalProperties: false`)


class UserCreateSchema(StrictInput):
    name = name_field(required=True)
    email = email_field(required=True)
    password = password_field(required=True)
    age = age_field(load_default=None)


class UserUpdateSchema(StrictInput):
    """Every field optional; name, email and password may not be null."""

    name = name_field()
    email = email_field()
    password = password_field()
    age = age_field()


class UserSchema(Output):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.Email(required=True)
    age = fields.Integer(required=True, allow_none=True)
    created_at = UtcDateTime(required=True)


class PageSchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**63 - 1))


class ErrorSchema(Output):
    detail = fields.String(required=True, metadata={"description": "What went wrong."})


class ValidationErrorSchema(Output):
    """One problem of a 422: where (`["body", "email"]`, `["query", "limit"]`,
    `["path", "user_id"]`, `["body"]` for a missing body), what, and its marshmallow code."""

    loc = fields.List(
        fields.Raw(metadata={"anyOf": [{"type": "string"}, {"type": "integer"}]}),
        required=True,
    )
    msg = fields.String(required=True)
    type = fields.String(required=True, metadata={"example": "required"})


class HTTPValidationErrorSchema(Output):
    detail = fields.List(fields.Nested(ValidationErrorSchema), required=True)


class MessageSchema(Output):
    message = fields.String(required=True)


class HealthSchema(Output):
    status = fields.String(required=True)


class UserCreate(TypedDict):
    name: str
    email: str
    password: str
    age: int | None


class UserUpdate(TypedDict, total=False):
    name: str
    email: str
    password: str
    age: int | None
