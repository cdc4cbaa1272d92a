"""Issue 21: every template's served schema is the one OpenAPI contract (docs/openapi/).

The served `/openapi.json` of each project the matrix serves is normalised (openapi_contract.py)
and compared with the reference for its `auth` answer; a mismatch reads as a list of
"where: expected X, got Y". The tests without a server check the reference and the normaliser.
"""

from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from .conftest import SERVED_PROJECTS, GeneratedProject, LiveServer
from .openapi_contract import differences, merge_patch, normalise, reference

# contract.md, "Operations" and "Responses": operationId -> (method path, statuses).
OPERATIONS = {
    "getHealth": ("get /health", {"200", "503"}),
    "getLiveness": ("get /health/live", {"200"}),
    "getSecure": ("get /secure", {"200", "401", "429", "503"}),
    "createUser": (
        "post /users",
        {"201", "400", "401", "403", "409", "413", "415", "422", "429", "503"},
    ),
    "listUsers": ("get /users", {"200", "401", "422", "429", "503"}),
    "getUser": ("get /users/{user_id}", {"200", "401", "404", "422", "429", "503"}),
    "updateUser": (
        "patch /users/{user_id}",
        {"200", "400", "401", "404", "409", "413", "415", "422", "429", "503"},
    ),
    "deleteUser": ("delete /users/{user_id}", {"204", "401", "404", "422", "429", "503"}),
}
TOKEN_OPERATIONS = {
    "createToken": ("post /token", {"200", "400", "401", "413", "415", "422", "429", "503"}),
}
SCHEMAS = {
    "User",
    "UserCreate",
    "UserUpdate",
    "Error",
    "HTTPValidationError",
    "ValidationError",
    "Health",
    "Message",
}
PUBLIC = {"getHealth", "getLiveness", "createToken"}


def operations(document: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    normal = normalise(document)
    return {
        operation["operationId"]: (f"{method} {path}", operation)
        for path, item in normal["paths"].items()
        for method, operation in item.items()
    }


@pytest.mark.parametrize("auth", ["basic", "token"])
def test_the_reference_is_valid_openapi_and_says_what_the_contract_says(auth: str) -> None:
    document = reference(auth)
    validate(document)
    expected = OPERATIONS | (TOKEN_OPERATIONS if auth == "token" else {})
    found = operations(document)
    assert {name: where for name, (where, _) in found.items()} == {
        name: where for name, (where, _) in expected.items()
    }
    scheme = {"basic": "basicAuth", "token": "bearerAuth"}[auth]
    for name, (_, operation) in found.items():
        assert set(operation["responses"]) == expected[name][1], name
        assert operation["security"] == ([] if name in PUBLIC else [{scheme: []}]), name
    schemas = SCHEMAS | ({"Token", "TokenRequest"} if auth == "token" else set())
    assert set(document["components"]["schemas"]) == schemas
    assert list(document["components"]["securitySchemes"]) == [scheme]


# The same promises, as a 3.0 generator (flask-smorest, drf-spectacular) and FastAPI (3.1)
# write them.
OPENAPI_30 = {
    "openapi": "3.0.3",
    "info": {"title": "p", "version": "0.1.0"},
    "paths": {
        "/things/{thing_id}": {
            "parameters": [{"$ref": "#/components/parameters/ThingId"}],
            "patch": {
                "operationId": "updateThing",
                "tags": ["things", "a"],
                "summary": "Change a thing",
                "description": "Internal note, ignored",
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                    },
                },
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {"allOf": [{"$ref": "#/components/schemas/Thing"}]}
                            }
                        },
                    },
                    "422": {"$ref": "#/components/responses/UNPROCESSABLE"},
                },
            },
        }
    },
    "components": {
        "parameters": {
            "ThingId": {
                "name": "thing_id",
                "in": "path",
                "required": True,
                "description": "ignored",
                "schema": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0,
                    "exclusiveMinimum": True,
                },
            }
        },
        "responses": {
            "UNPROCESSABLE": {
                "description": "Unprocessable",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
            }
        },
        "schemas": {
            "Thing": {
                "type": "object",
                "title": "Thing",
                "properties": {
                    "age": {"type": "integer", "nullable": True, "maximum": 150.0, "minimum": 0},
                    "name": {"type": "string", "pattern": "^[^\x00]*$", "readOnly": True},
                    "loc": {
                        "type": "array",
                        "items": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
                    },
                },
                "required": ["name", "age"],
                "additionalProperties": False,
            }
        },
        "securitySchemes": {"basicAuth": {"type": "http", "scheme": "basic", "description": "x"}},
    },
}
OPENAPI_31 = {
    "openapi": "3.1.0",
    "info": {"title": "other title", "version": "9"},
    "paths": {
        "/things/{thing_id}": {
            "patch": {
                "summary": "Change a thing",
                "operationId": "updateThing",
                "tags": ["a", "things"],
                "parameters": [
                    {
                        "name": "thing_id",
                        "in": "path",
                        "required": True,
                        "schema": {
                            "type": "integer",
                            "exclusiveMinimum": 0,
                            "maximum": 9223372036854775807,
                            "title": "Thing Id",
                        },
                    }
                ],
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                    },
                    "required": True,
                },
                "responses": {
                    "422": {
                        "description": "Validation Error",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                        },
                    },
                    "200": {
                        "description": "Successful Response",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                        },
                    },
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Thing": {
                "properties": {
                    "name": {"type": "string", "pattern": "^[^\\u0000]*$", "title": "Name"},
                    "age": {
                        "anyOf": [
                            {"type": "integer", "minimum": 0.0, "maximum": 150},
                            {"type": "null"},
                        ],
                        "title": "Age",
                    },
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                },
                "additionalProperties": False,
                "type": "object",
                "required": ["age", "name"],
            }
        },
        "securitySchemes": {"basicAuth": {"scheme": "basic", "type": "http"}},
    },
}


def test_the_normaliser_reads_openapi_30_and_31_spellings_alike() -> None:
    assert differences(normalise(OPENAPI_30), normalise(OPENAPI_31)) == []
    validate(OPENAPI_30)
    validate(OPENAPI_31)


def test_the_normaliser_keeps_what_a_client_depends_on() -> None:
    changed = merge_patch(
        OPENAPI_31,
        {
            "paths": {
                "/things/{thing_id}": {
                    "patch": {
                        "operationId": "patchThing",
                        "security": [{}],
                        "responses": {"400": {"description": "new"}},
                    }
                }
            },
            "components": {
                "schemas": {
                    "Thing": {
                        "properties": {"age": {"anyOf": [{"type": "integer", "maximum": 151}]}},
                        "required": ["name"],
                        "additionalProperties": None,
                    }
                }
            },
        },
    )
    where = "paths./things/{thing_id}.patch"
    assert differences(normalise(OPENAPI_30), normalise(changed)) == [
        f'{where}.operationId: expected "updateThing", got "patchThing"',
        f"{where}.responses.400: expected (absent), got {{}}",
        f"{where}.security: expected [], got [{{}}]",  # "optional credentials" is not "public"
        'components.schemas.Thing.properties.age.type: expected ["integer", "null"], got "integer"',
        "components.schemas.Thing.properties.age.maximum: expected 150, got 151",
        "components.schemas.Thing.properties.age.minimum: expected 0, got (absent)",
        'components.schemas.Thing.required: expected ["age", "name"], got ["name"]',
        "components.schemas.Thing.additionalProperties: expected false, got (absent)",
    ]


def test_the_token_overlay_changes_only_what_auth_token_changes() -> None:
    basic, token = normalise(reference("basic")), normalise(reference("token"))
    assert {line.split(":")[0] for line in differences(basic, token)} == {
        "paths./secure.get.security",
        "paths./users.get.security",
        "paths./users.post.security",
        "paths./users/{user_id}.get.security",
        "paths./users/{user_id}.patch.security",
        "paths./users/{user_id}.delete.security",
        "paths./token",
        "components.schemas.Token",
        "components.schemas.TokenRequest",
        "components.securitySchemes.basicAuth",
        "components.securitySchemes.bearerAuth",
    }


@pytest.mark.e2e
@pytest.mark.parametrize("project", SERVED_PROJECTS, indirect=True)
def test_the_served_schema_is_the_contract(
    project: GeneratedProject, live_server: LiveServer
) -> None:
    response = httpx.get(f"{live_server.base_url}/openapi.json", timeout=30)
    assert response.status_code == 200, response.text[:500]
    served = response.json()
    problems = []
    if not str(served.get("openapi", "")).startswith(("3.0.", "3.1.")):
        problems.append(f"openapi: expected 3.0.x or 3.1.x, got {served.get('openapi')!r}")
    info = served.get("info", {})
    if info.get("title") != project.spec.id:
        problems.append(f"info.title: expected {project.spec.id!r}, got {info.get('title')!r}")
    if info.get("version") != "0.1.0":
        problems.append(f"info.version: expected '0.1.0', got {info.get('version')!r}")
    expected = normalise(reference(project.spec.answers["auth"]))
    problems += differences(expected, normalise(served))
    assert not problems, f"{len(problems)} differences from docs/openapi/:\n" + "\n".join(problems)
