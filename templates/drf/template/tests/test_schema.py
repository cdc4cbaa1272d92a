"""The served OpenAPI schema describes the contract every apigen template shares (the same
operationIds, components, security scheme and answers in FastAPI, Flask and DRF), so that a
client generated from any template's schema works against this service."""

import importlib
from typing import Any

import pytest
from django.apps import apps
from rest_framework import serializers
from rest_framework.test import APIClient

OPERATIONS = {
    ("get", "/health"): ("getHealth", "health", {"200", "503"}),
    ("get", "/health/live"): ("getLiveness", "health", {"200"}),
    ("get", "/secure"): ("getSecure", "auth", {"200", "401", "429", "503"}),
    ("post", "/users"): (
        "createUser",
        "users",
        {"201", "400", "401", "403", "409", "413", "415", "422", "429", "503"},
    ),
    ("get", "/users"): ("listUsers", "users", {"200", "401", "422", "429", "503"}),
    ("get", "/users/{user_id}"): ("getUser", "users", {"200", "401", "404", "422", "429", "503"}),
    ("patch", "/users/{user_id}"): (
        "updateUser",
        "users",
        {"200", "400", "401", "404", "409", "413", "415", "422", "429", "503"},
    ),
    ("delete", "/users/{user_id}"): (
        "deleteUser",
        "users",
        {"204", "401", "404", "422", "429", "503"},
    ),
}
PUBLIC = {"getHealth", "getLiveness", "createToken"}
COMPONENTS = {
    "User",
    "UserCreate",
    "UserUpdate",
    "Error",
    "HTTPValidationError",
    "ValidationError",
    "Health",
    "Message",
}


@pytest.fixture
def schema(client: APIClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(schema: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


def test_every_operation_has_its_id_tag_summary_and_answers(schema: dict[str, Any]) -> None:
    served = operations(schema)
    assert set(OPERATIONS) <= set(served)
    for key, (operation_id, tag, statuses) in OPERATIONS.items():
        operation = served[key]
        assert operation["operationId"] == operation_id
        assert operation["tags"] == [tag]
        assert operation["summary"]
        assert set(operation["responses"]) == statuses, operation_id
    ids = [operation["operationId"] for operation in served.values()]
    assert len(ids) == len(set(ids))


def test_public_operations_ask_for_no_credentials(schema: dict[str, Any]) -> None:
    (scheme,) = schema["components"]["securitySchemes"]
    for operation in operations(schema).values():
        if operation["operationId"] in PUBLIC:
            assert operation.get("security", []) == [], operation["operationId"]
        else:
            assert operation["security"] == [{scheme: []}], operation["operationId"]


def added_components() -> set[str]:
    """The components of the resources `apigen add resource` added (their tests check them)."""
    names: set[str] = set()
    for config in apps.get_app_configs():
        if ".resources." in config.name:
            module = importlib.import_module(f"{config.name}.serializers")
            names |= {
                value.__name__.removesuffix("Serializer")
                for value in vars(module).values()
                if isinstance(value, type) and issubclass(value, serializers.BaseSerializer)
            }
    return names


def test_components_are_the_contracts(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    assert set(components) >= COMPONENTS
    assert set(components) - COMPONENTS - added_components() <= {"Token", "TokenRequest"}
    user = components["User"]
    assert sorted(user["required"]) == ["age", "created_at", "email", "id", "name"]
    assert user["properties"]["age"]["nullable"] is True
    create, update = components["UserCreate"], components["UserUpdate"]
    assert sorted(create["required"]) == ["email", "name", "password"]
    assert "required" not in update
    for body in (create, update):
        assert set(body["properties"]) == {"name", "email", "password", "age"}
        assert body["additionalProperties"] is False
        for field in ("name", "email", "password"):
            assert body["properties"][field]["pattern"] == "^[^\\u0000]*$"
    item = components["ValidationError"]
    assert set(item["properties"]) == set(item["required"]) == {"loc", "msg", "type"}


def test_bodies_are_required_and_422_has_its_model(schema: dict[str, Any]) -> None:
    for operation in operations(schema).values():
        if "requestBody" in operation:
            assert operation["requestBody"]["required"] is True
        if "422" in operation["responses"]:
            content = operation["responses"]["422"]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/HTTPValidationError"}


def test_parameters_are_typed_and_bounded(schema: dict[str, Any]) -> None:
    served = operations(schema)
    for method in ("get", "patch", "delete"):
        (user_id,) = served[(method, "/users/{user_id}")]["parameters"]
        assert (user_id["name"], user_id["in"], user_id["required"]) == ("user_id", "path", True)
        assert user_id["schema"]["type"] == "integer"
        assert user_id["schema"]["minimum"] == 1
    parameters = {p["name"]: p["schema"] for p in served[("get", "/users")]["parameters"]}
    assert parameters == {
        "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
        "offset": {"type": "integer", "minimum": 0, "default": 0},
    }
