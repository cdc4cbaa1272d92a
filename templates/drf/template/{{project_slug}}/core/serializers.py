"""Bodies shared by several endpoints, for the OpenAPI schema: each serializer is a component
of the same name without "Serializer" (Health, Message, Error, HTTPValidationError)."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class HealthSerializer(serializers.Serializer[dict[str, str]]):
    status = serializers.CharField(help_text='"ok"')


class MessageSerializer(serializers.Serializer[dict[str, str]]):
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer[dict[str, str]]):
    detail = serializers.CharField()


@extend_schema_field({"anyOf": [{"type": "string"}, {"type": "integer"}]})
class LocationPartField(serializers.Field[Any, Any, Any, Any]):
    """A field name or a list index: OpenAPI needs to hear it is either."""


class ValidationErrorSerializer(serializers.Serializer[dict[str, Any]]):
    loc = serializers.ListField(
        child=LocationPartField(),
        help_text='Where the input was wrong: ["body", "email"], ["query", "limit"], ...',
    )
    msg = serializers.CharField(help_text="What is wrong with it, for people.")
    type = serializers.CharField(help_text="What is wrong with it, for programs: required, ...")


class HTTPValidationErrorSerializer(serializers.Serializer[dict[str, Any]]):
    detail = ValidationErrorSerializer(many=True)
