"""Adjustments to the OpenAPI schema drf-spectacular generates."""

from typing import Any


def forbid_unknown_fields(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """JSON request bodies refuse unknown fields (see users/serializers.py), so their
    components say so: `additionalProperties: false`, which drf-spectacular cannot express."""
    schemas = result.get("components", {}).get("schemas", {})
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            reference = content.get("application/json", {}).get("schema", {}).get("$ref", "")
            name = reference.rpartition("/")[2]
            if schemas.get(name, {}).get("type") == "object":
                schemas[name]["additionalProperties"] = False
    return result


def require_request_bodies(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Every operation that takes a body requires one (a PATCH without a body answers 422,
    see core/views.py json_body); drf-spectacular marks a body required only when one of its
    fields is, which no field of UserUpdate is."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
    return result
