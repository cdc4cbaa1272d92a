"""The HTTP contract of SPEC.md section 4, checked over real HTTP against every template.

Framework-agnostic on purpose: only status codes, headers and JSON bodies that the spec fixes.
Where the spec allows either of two answers (400 or 422 for invalid input; refusing or capping a
page size over 100), both are accepted.
"""

from collections.abc import Iterator
from itertools import count
from typing import Any

import httpx
import pytest

from .conftest import SERVED_PROJECTS, LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("project", SERVED_PROJECTS, indirect=True)]

INVALID = (400, 422)
_serial = count()


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    with live_server.client() as client:
        yield client


@pytest.fixture
def anonymous(live_server: LiveServer) -> Iterator[httpx.Client]:
    with live_server.client(authenticated=False) as client:
        yield client


def new_user(**fields: Any) -> dict[str, Any]:
    """A valid user body with a unique email, so tests do not depend on one another."""
    return {
        "name": "Grace Hopper",
        "email": f"grace{next(_serial)}@example.com",
        "password": "a long password",
        "age": 85,
    } | fields


def create(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = api.post("/users", json=new_user(**fields))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def all_emails(api: httpx.Client) -> list[str]:
    emails: list[str] = []
    while page := api.get("/users", params={"limit": 100, "offset": len(emails)}).json():
        emails += [user["email"] for user in page]
    return emails


def test_health_is_public_and_ok(anonymous: httpx.Client) -> None:
    response = anonymous.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/secure"),
        ("GET", "/users"),
        ("POST", "/users"),
        ("GET", "/users/1"),
        ("PATCH", "/users/1"),
        ("DELETE", "/users/1"),
    ],
)
def test_protected_endpoints_need_credentials(
    anonymous: httpx.Client, live_server: LiveServer, method: str, path: str
) -> None:
    response = anonymous.request(method, path, json={} if method in ("POST", "PATCH") else None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].lower().startswith(live_server.scheme)


@pytest.mark.parametrize(
    "credentials",
    [("admin@example.com", "wrong password"), ("nobody@example.com", "a long admin password")],
    ids=["wrong-password", "unknown-email"],
)
def test_wrong_credentials_are_401(
    anonymous: httpx.Client, live_server: LiveServer, credentials: tuple[str, str]
) -> None:
    email, password = credentials
    if live_server.scheme == "bearer":
        response = anonymous.post("/token", data={"username": email, "password": password})
    else:
        response = anonymous.get("/secure", auth=(email, password))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].lower().startswith(live_server.scheme)


def test_a_made_up_credential_is_401(anonymous: httpx.Client, live_server: LiveServer) -> None:
    made_up = "Bearer not.a.token" if live_server.scheme == "bearer" else "Basic bm90OmJhc2U2NA=="
    response = anonymous.get("/secure", headers={"Authorization": made_up})
    assert response.status_code == 401


def test_secure_greets_the_user(api: httpx.Client, live_server: LiveServer) -> None:
    response = api.get("/secure")
    assert response.status_code == 200
    assert response.json() == {"message": f"Hello, {live_server.email}"}


def test_create_user(api: httpx.Client) -> None:
    body = new_user()
    response = api.post("/users", json=body)
    assert response.status_code == 201
    user = response.json()
    assert set(user) == {"id", "name", "email", "age", "created_at"}
    assert (user["name"], user["email"], user["age"]) == (body["name"], body["email"], 85)
    assert response.headers["Location"].endswith(f"/users/{user['id']}")
    assert api.get(response.headers["Location"]).json() == user


def test_new_user_can_log_in(
    api: httpx.Client, anonymous: httpx.Client, live_server: LiveServer
) -> None:
    user = create(api, password="another long password")
    headers = live_server.credentials(user["email"], "another long password")
    response = anonymous.get("/secure", headers=headers)
    assert response.json() == {"message": f"Hello, {user['email']}"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"name": None}, "name"),
        ({"password": "short"}, "password"),
        ({"age": -1}, "age"),
        ({"age": "thirty"}, "age"),
        ({"name": ["a", "list"]}, "name"),
        ({"role": "admin"}, "role"),
    ],
    ids=[
        "invalid-email",
        "null-name",
        "short-password",
        "negative-age",
        "age-as-text",
        "name-as-list",
        "unknown-field",
    ],
)
def test_invalid_user_is_refused_and_not_stored(
    api: httpx.Client, fields: dict[str, Any], field: str
) -> None:
    body = new_user(**fields)
    response = api.post("/users", json=body)
    assert response.status_code in INVALID
    assert field in response.text
    assert body["email"] not in all_emails(api)


def test_missing_name_is_refused(api: httpx.Client) -> None:
    body = new_user()
    del body["name"]
    response = api.post("/users", json=body)
    assert response.status_code in INVALID
    assert "name" in response.text
    assert body["email"] not in all_emails(api)


def test_duplicate_email_is_409(api: httpx.Client) -> None:
    user = create(api)
    response = api.post("/users", json=new_user(email=user["email"]))
    assert response.status_code == 409


def test_list_is_in_creation_order_and_paginated(api: httpx.Client) -> None:
    created = [create(api)["email"] for _ in range(3)]
    emails = all_emails(api)
    assert emails[-3:] == created
    page = api.get("/users", params={"limit": 2, "offset": len(emails) - 3}).json()
    assert [user["email"] for user in page] == created[:2]


def test_list_limit_defaults_to_50(api: httpx.Client) -> None:
    while len(all_emails(api)) <= 50:
        create(api)
    assert len(api.get("/users").json()) == 50


def test_list_limit_is_at_most_100(api: httpx.Client) -> None:
    """Refused at once, or capped: only a cap needs more than 100 accounts to show."""
    response = api.get("/users", params={"limit": 101})
    assert response.status_code in (*INVALID, 200)
    if response.status_code in INVALID:
        return
    while len(all_emails(api)) <= 100:
        create(api)
    assert len(api.get("/users", params={"limit": 101}).json()) == 100


def test_unknown_user_is_404(api: httpx.Client) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        response = api.request(method, "/users/999999999", json={} if method == "PATCH" else None)
        assert response.status_code == 404
        assert response.json() == {"detail": "User not found"}


def test_patch_updates_the_user(api: httpx.Client) -> None:
    user = create(api)
    response = api.patch(f"/users/{user['id']}", json={"name": "Grace B. Hopper", "age": 86})
    assert response.status_code == 200
    assert response.json() == user | {"name": "Grace B. Hopper", "age": 86}


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"age": -5}, "age"), ({"email": "nope"}, "email"), ({"password": "short"}, "password")],
)
def test_patch_is_validated_like_post(
    api: httpx.Client, fields: dict[str, Any], field: str
) -> None:
    user = create(api)
    response = api.patch(f"/users/{user['id']}", json=fields)
    assert response.status_code in INVALID
    assert field in response.text
    assert api.get(f"/users/{user['id']}").json() == user


def test_delete_then_404(api: httpx.Client) -> None:
    user = create(api)
    assert api.delete(f"/users/{user['id']}").status_code == 204
    assert api.get(f"/users/{user['id']}").status_code == 404


def test_openapi_schema_lists_every_endpoint(anonymous: httpx.Client) -> None:
    schema = anonymous.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert {"/health", "/secure", "/users"} <= paths
    assert any(path.startswith("/users/{") for path in paths)


def test_docs_are_swagger_ui(anonymous: httpx.Client) -> None:
    response = anonymous.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()


def test_request_id_is_echoed(anonymous: httpx.Client) -> None:
    response = anonymous.get("/health", headers={"X-Request-ID": "contract-check-1"})
    assert response.headers["X-Request-ID"] == "contract-check-1"
