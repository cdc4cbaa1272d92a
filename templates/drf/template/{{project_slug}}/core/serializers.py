"""Bodies shared by several endpoints, for the OpenAPI schema."""

from rest_framework import serializers


class StatusSerializer(serializers.Serializer[dict[str, str]]):
    status = serializers.CharField()


class MessageSerializer(serializers.Serializer[dict[str, str]]):
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer[dict[str, str]]):
    detail = serializers.CharField()
