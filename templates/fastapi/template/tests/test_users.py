from typing import Any

import pytest
from fastapi.testclient import TestClient

NEW_USER = {"name": "Grace", "email": "grace@example.com", "password": "s3cret-enough", "age": 36}


def create(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/users", json=NEW_USER | fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_create_returns_the_user_without_password(auth_client: TestClient) -> None:
    response = auth_client.post("/users", json=NEW_USER)
    assert response.status_code == 201
    user = response.json()
    assert set(user) == {"id", "name", "email", "age", "created_at"}
    assert (user["name"], user["email"], user["age"]) == ("Grace", "grace@example.com", 36)
    assert response.headers["Location"] == f"/users/{user['id']}"
    assert auth_client.get(response.headers["Location"]).json() == user


def test_age_is_optional(auth_client: TestClient) -> None:
    fields = {key: value for key, value in NEW_USER.items() if key != "age"}
    response = auth_client.post("/users", json=fields)
    assert response.status_code == 201
    assert response.json()["age"] is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"password": "short"}, "password"),
        ({"age": -1}, "age"),
        ({"age": "thirty"}, "age"),
        ({"name": 42}, "name"),
        ({"is_admin": True}, "is_admin"),
    ],
    ids=[
        "bad-email",
        "null-name",
        "empty-name",
        "short-password",
        "negative-age",
        "age-as-text",
        "name-as-number",
        "unknown-field",
    ],
)
def test_invalid_users_are_refused_and_not_stored(
    auth_client: TestClient, fields: dict[str, Any], field: str
) -> None:
    response = auth_client.post("/users", json=NEW_USER | fields)
    assert response.status_code == 422
    assert field in response.text
    assert [user["email"] for user in auth_client.get("/users").json()] == ["ada@example.com"]


@pytest.mark.parametrize(("given", "stored"), [(30.0, 30), (0, 0)])
def test_age_may_be_a_whole_json_number(auth_client: TestClient, given: float, stored: int) -> None:
    response = auth_client.post("/users", json=NEW_USER | {"age": given})
    assert response.status_code == 201
    assert response.json()["age"] == stored


@pytest.mark.parametrize("age", [30.5, True, "30"])
def test_age_must_be_a_whole_number(auth_client: TestClient, age: object) -> None:
    assert auth_client.post("/users", json=NEW_USER | {"age": age}).status_code == 422


@pytest.mark.parametrize("email", ["qa@example.test", "o'brien@example.com"])
def test_any_syntactically_valid_email_is_accepted(auth_client: TestClient, email: str) -> None:
    response = auth_client.post("/users", json=NEW_USER | {"email": email})
    assert response.status_code == 201
    assert response.json()["email"] == email


def test_missing_name_is_refused(auth_client: TestClient) -> None:
    fields = {key: value for key, value in NEW_USER.items() if key != "name"}
    response = auth_client.post("/users", json=fields)
    assert response.status_code == 422
    assert "name" in response.text


def test_duplicate_email_is_a_conflict(auth_client: TestClient) -> None:
    create(auth_client)
    response = auth_client.post("/users", json=NEW_USER | {"email": "GRACE@example.com"})
    assert response.status_code == 409


def test_list_in_creation_order_with_limit_and_offset(auth_client: TestClient) -> None:
    for number in range(3):
        create(auth_client, email=f"user{number}@example.com")
    emails = [user["email"] for user in auth_client.get("/users").json()]
    assert emails == [
        "ada@example.com",
        "user0@example.com",
        "user1@example.com",
        "user2@example.com",
    ]
    page = auth_client.get("/users", params={"limit": 2, "offset": 1}).json()
    assert [user["email"] for user in page] == ["user0@example.com", "user1@example.com"]


@pytest.mark.parametrize("params", [{"limit": 101}, {"limit": 0}, {"offset": -1}])
def test_page_bounds_are_enforced(auth_client: TestClient, params: dict[str, int]) -> None:
    assert auth_client.get("/users", params=params).status_code == 422


def test_unknown_user_is_404(auth_client: TestClient) -> None:
    response = auth_client.get("/users/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "User not found"}


def test_id_beyond_64_bits_is_refused(auth_client: TestClient) -> None:
    assert auth_client.get(f"/users/{2**64}").status_code in (404, 422)


def test_update_changes_only_the_given_fields(auth_client: TestClient) -> None:
    user = create(auth_client)
    response = auth_client.patch(f"/users/{user['id']}", json={"age": 37})
    assert response.status_code == 200
    assert response.json() == user | {"age": 37}


@pytest.mark.parametrize(
    "fields", [{"age": -5}, {"email": "nope"}, {"password": "short"}, {"name": None}, {"x": 1}]
)
def test_update_is_validated_like_create(auth_client: TestClient, fields: dict[str, Any]) -> None:
    user = create(auth_client)
    response = auth_client.patch(f"/users/{user['id']}", json=fields)
    assert response.status_code == 422
    assert auth_client.get(f"/users/{user['id']}").json() == user


def test_update_to_a_used_email_is_a_conflict(auth_client: TestClient) -> None:
    user = create(auth_client)
    response = auth_client.patch(f"/users/{user['id']}", json={"email": "ada@example.com"})
    assert response.status_code == 409


def test_update_of_unknown_user_is_404(auth_client: TestClient) -> None:
    assert auth_client.patch("/users/999", json={"age": 1}).status_code == 404


def test_delete_then_get_is_404(auth_client: TestClient) -> None:
    user = create(auth_client)
    assert auth_client.delete(f"/users/{user['id']}").status_code == 204
    assert auth_client.get(f"/users/{user['id']}").status_code == 404
    assert auth_client.delete(f"/users/{user['id']}").status_code == 404
