"""Validation of user input. Strict: unknown fields and wrong JSON types are refused."""

import re
from collections.abc import Mapping
from typing import Any

from django.core.validators import (
    EmailValidator,
    ProhibitNullCharactersValidator,
    RegexValidator,
)
from email_validator import EmailNotValidError, validate_email
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from .models import MAX_AGE, User

# Text that neither database can store: NUL (PostgreSQL) and lone surrogates (no UTF-8 form).
# The first is also in the schema, as `pattern`.
NO_NUL = RegexValidator(
    r"^[^\u0000]*$", "Null characters are not allowed.", code="null_characters_not_allowed"
)
SURROGATE = re.compile(r"[\ud800-\udfff]")


def has_surrogates(text: str) -> bool:
    return SURROGATE.search(text) is not None


def storable(text: str) -> bool:
    """Whether a database could hold this text (and so whether an account could have it)."""
    return "\0" not in text and not has_surrogates(text)


class StrictCharField(serializers.CharField):
    """A JSON string only (DRF would turn 42 into "42"), of text a database can store."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error_messages["surrogates"] = "Lone surrogate characters are not allowed."
        # NO_NUL in place of DRF's own check: one error, and a `pattern` in the schema.
        self.validators = [
            *(v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)),
            NO_NUL,
        ]

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if has_surrogates(data):
            self.fail("surrogates")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    """An address by its syntax, as OpenAPI's `email` format means (email-validator, as in the
    other templates: no DNS, reserved domains such as .test allowed), stored lowercase."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, EmailValidator)]
        self.validators.append(NO_NUL)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str) or has_surrogates(data) or "\0" in data:
            self.fail("invalid")
        try:
            address = validate_email(data, check_deliverability=False, test_environment=True)
        except EmailNotValidError:
            self.fail("invalid")
        return address.normalized.lower()


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: DRF would accept "30", 30.0 and true."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class UserSerializer(serializers.Serializer[User]):
    """An account. Its password and role are never shown."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    age = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class UserCreateSerializer(serializers.Serializer[User]):
    """A new account: name, email and password; age is optional. No other field is accepted."""

    name = StrictCharField(min_length=1, max_length=100)
    email = StrictEmailField(max_length=254)
    password = StrictCharField(
        write_only=True,
        min_length=8,
        max_length=128,
        trim_whitespace=False,
        style={"input_type": "password"},
    )
    age = StrictIntegerField(min_value=0, max_value=MAX_AGE, required=False, allow_null=True)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        """DRF's validation, plus an error (code `unknown`) for each field not declared here:
        `id`, `is_admin`, `is_staff`, `role`, ... are refused, never ignored."""
        errors: dict[str, Any] = {}
        if isinstance(data, Mapping):
            unknown = ErrorDetail("Unknown field.", code="unknown")
            errors = {str(key): [unknown] for key in data if key not in self.fields}
        try:
            result: dict[str, Any] = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if not isinstance(error.detail, dict):
                raise
            errors = {**error.detail, **errors}
        if errors:
            raise serializers.ValidationError(errors)
        return result

    def create(self, validated_data: dict[str, Any]) -> User:
        return User.objects.create_user(**validated_data)

    def update(self, instance: User, validated_data: dict[str, Any]) -> User:
        password = validated_data.pop("password", None)
        for field, value in validated_data.items():
            setattr(instance, field, value)
        if password is not None:
            instance.set_password(password)
        instance.save()
        return instance


class UserUpdateSerializer(UserCreateSerializer):
    """The fields to change, each optional; the others keep their values."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields
