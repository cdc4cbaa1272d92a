"""The reference OpenAPI schema (docs/openapi/) and the normal form served schemas are compared in.

Each template generates its schema with its own tools, in OpenAPI 3.0 or 3.1, so two schemas that
promise clients the same thing can be written differently. `normalise` rewrites a schema into one
form that keeps what a client depends on and drops what it does not (see docs/http-contract.md,
"How the comparison works"); `differences` lists what two normal forms disagree on, one readable
line each, so a mismatch reads "where: expected X, got Y".
"""

import copy
import json
from pathlib import Path
from typing import Any

import yaml

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "openapi"
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
# Kept in every schema object; everything else (title, description, example, readOnly, ...) is
# documentation for people, not a promise to clients.
SCHEMA_KEYS = {
    "type",
    "format",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "$ref",
    "anyOf",
    "oneOf",
    "allOf",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
}
INT64 = (-(2**63), 2**63 - 1)
# The regular expression that refuses NUL, as each generator may spell it.
NUL_SPELLINGS = ("\x00", "\\x00", "\\0", "\\u0000")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge key by key, null removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def reference(auth: str) -> dict[str, Any]:
    """The reference schema for a project with this `auth` answer ("basic" or "token")."""
    schema: dict[str, Any] = yaml.safe_load((REFERENCE / "openapi.yaml").read_text("utf-8"))
    if auth == "token":
        overlay = yaml.safe_load((REFERENCE / "auth-token.merge-patch.yaml").read_text("utf-8"))
        schema = merge_patch(schema, overlay)
    return schema


def _resolve(document: dict[str, Any], node: Any) -> Any:
    """Follow a local `$ref` to a component that is not a schema (responses, parameters, ...)."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref.startswith("#/components/schemas/"):
            return node
        target: Any = document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _number(value: Any) -> Any:
    """150.0 and 150 are the same bound."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _pattern(value: str) -> str:
    for spelling in NUL_SPELLINGS:
        value = value.replace(spelling, "\\u0000")
    return value


def _types(schema: dict[str, Any]) -> list[str]:
    value = schema.get("type")
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _set_types(schema: dict[str, Any], types: list[str]) -> None:
    unique = sorted(set(types))
    if not unique:
        schema.pop("type", None)
    else:
        schema["type"] = unique[0] if len(unique) == 1 else unique


def normalise_schema(node: Any) -> Any:
    """One spelling for a JSON schema, whichever OpenAPI version or generator wrote it."""
    if not isinstance(node, dict):
        return node
    schema = {key: value for key, value in node.items() if key in SCHEMA_KEYS}
    nullable = node.get("nullable") is True  # OpenAPI 3.0
    # OpenAPI 3.0 exclusive bounds are booleans beside minimum/maximum; 3.1 holds the number.
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if schema.get(exclusive) is True and bound in schema:
            schema[exclusive] = schema.pop(bound)
        elif schema.get(exclusive) is False:
            del schema[exclusive]
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if key in schema:
            schema[key] = _number(schema[key])
    if "integer" in _types(schema):
        # The int64 range said as bounds or as a format is how the value is stored, not a rule.
        if schema.get("format") in ("int32", "int64"):
            del schema["format"]
        if schema.get("minimum") == INT64[0]:
            del schema["minimum"]
        if schema.get("maximum") == INT64[1]:
            del schema["maximum"]
    if isinstance(schema.get("pattern"), str):
        schema["pattern"] = _pattern(schema["pattern"])
    if "properties" in schema:
        schema["properties"] = {
            name: normalise_schema(value) for name, value in schema["properties"].items()
        }
        schema.setdefault("type", "object")
    if "required" in schema:
        schema["required"] = sorted(schema["required"])
        if not schema["required"]:
            del schema["required"]
    if schema.get("additionalProperties") is True or schema.get("additionalProperties") == {}:
        del schema["additionalProperties"]
    elif isinstance(schema.get("additionalProperties"), dict):
        schema["additionalProperties"] = normalise_schema(schema["additionalProperties"])
    if "items" in schema:
        schema["items"] = normalise_schema(schema["items"])
    # allOf of a single $ref (how 3.0 generators attach nullable or a description to a reference)
    if isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
        member = normalise_schema(schema.pop("allOf")[0])
        if set(member) == {"$ref"}:
            schema["anyOf"] = [member]
        else:
            schema.update(member)
    for combinator in ("anyOf", "oneOf"):
        if combinator not in schema:
            continue
        members = [normalise_schema(member) for member in schema.pop(combinator)]
        if any(_types(member) == ["null"] and len(member) == 1 for member in members):
            nullable = True
            members = [m for m in members if not (_types(m) == ["null"] and len(m) == 1)]
        if all(set(member) == {"type"} for member in members):
            # any of plain types is a list of types, whichever combinator said it
            _set_types(schema, _types(schema) + [t for m in members for t in _types(m)])
        elif len(members) == 1 and "$ref" not in members[0]:
            member = members[0]
            _set_types(schema, _types(schema) + _types(member))
            schema.update({key: value for key, value in member.items() if key != "type"})
        else:
            schema["anyOf"] = sorted(members, key=lambda m: json.dumps(m, sort_keys=True))
    if nullable:
        if "anyOf" in schema or "$ref" in schema:
            members = schema.pop("anyOf", None) or [{"$ref": schema.pop("$ref")}]
            schema["anyOf"] = sorted(
                [*members, {"type": "null"}], key=lambda m: json.dumps(m, sort_keys=True)
            )
        else:
            _set_types(schema, [*_types(schema), "null"])
    if "type" in schema:
        _set_types(schema, _types(schema))
    if "enum" in schema and isinstance(schema["enum"], list):
        schema["enum"] = sorted(schema["enum"], key=json.dumps)
    if schema.get("anyOf") and len(schema["anyOf"]) == 1 and set(schema["anyOf"][0]) == {"$ref"}:
        schema.update(schema.pop("anyOf")[0])
    return schema


def _content(document: dict[str, Any], content: dict[str, Any] | None) -> dict[str, Any]:
    return {
        media_type: normalise_schema(_resolve(document, (value or {}).get("schema")))
        for media_type, value in (content or {}).items()
    }


def _parameters(document: dict[str, Any], items: list[Any]) -> dict[str, Any]:
    parameters = {}
    for item in items:
        parameter = _resolve(document, item)
        schema = normalise_schema(_resolve(document, parameter.get("schema", {})))
        default = parameter.get("schema", {}).get("default")
        if default is not None:
            schema["default"] = _number(default)
        parameters[f"{parameter['in']} {parameter['name']}"] = {
            "required": bool(parameter.get("required", False)),
            "schema": schema,
        }
    return parameters


def _operation(
    document: dict[str, Any], operation: dict[str, Any], shared: list[Any]
) -> dict[str, Any]:
    security = operation.get("security", document.get("security")) or []
    normal: dict[str, Any] = {
        "operationId": operation.get("operationId"),
        "tags": sorted(operation.get("tags", [])),
        "summary": operation.get("summary"),
        "parameters": _parameters(document, [*shared, *operation.get("parameters", [])]),
        "responses": {
            str(status): _content(document, _resolve(document, response).get("content"))
            for status, response in operation.get("responses", {}).items()
        },
        "security": sorted(
            (
                {name: sorted(scopes) for name, scopes in requirement.items()}
                for requirement in security
            ),
            key=lambda requirement: json.dumps(requirement, sort_keys=True),
        ),
    }
    if "requestBody" in operation:
        body = _resolve(document, operation["requestBody"])
        normal["requestBody"] = {
            "required": bool(body.get("required", False)),
            "content": _content(document, body.get("content")),
        }
    return normal


def normalise(document: dict[str, Any]) -> dict[str, Any]:
    """What a client depends on in `document`, in one spelling (see the module's docstring)."""
    paths = {}
    for path, item in document.get("paths", {}).items():
        item = _resolve(document, item)
        shared = item.get("parameters", [])
        paths[path] = {
            method: _operation(document, item[method], shared)
            for method in METHODS
            if method in item
        }
    components = document.get("components", {})
    schemes = {
        name: {key: value for key, value in scheme.items() if key not in ("description",)}
        for name, scheme in components.get("securitySchemes", {}).items()
    }
    return {
        "paths": paths,
        "components": {
            "schemas": {
                name: normalise_schema(schema)
                for name, schema in components.get("schemas", {}).items()
            },
            "securitySchemes": schemes,
        },
    }


def _show(value: Any) -> str:
    if value is _ABSENT:
        return "(absent)"
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 300 else f"{text[:300]}..."


_ABSENT = object()


def differences(expected: Any, got: Any, where: str = "") -> list[str]:
    """Every place `got` differs from `expected`: "where: expected X, got Y", one per line."""
    if isinstance(expected, dict) and isinstance(got, dict):
        lines = []
        for key in [*expected, *(key for key in got if key not in expected)]:
            lines += differences(
                expected.get(key, _ABSENT),
                got.get(key, _ABSENT),
                f"{where}.{key}" if where else key,
            )
        return lines
    if expected is _ABSENT or got is _ABSENT or expected != got:
        return [f"{where}: expected {_show(expected)}, got {_show(got)}"]
    return []
