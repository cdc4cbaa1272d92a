"""Adjustments to the OpenAPI schema drf-spectacular generates."""

from typing import Any


def forbid_unknown_fields(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Request bodies refuse unknown fields (see UserSerializer), so the schema says so."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema["additionalProperties"] = False
    return result
