from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from .validation import invalid_fields

NEW_USER = {"name": "Grace", "email": "grace@example.com", "password": "s3cret-enough", "age": 36}


def create(client: APIClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/users", NEW_USER | fields)
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def test_create_returns_the_user_without_password(auth_client: APIClient) -> None:
    response = auth_client.post("/users", NEW_USER)
    assert response.status_code == 201
    user = response.json()
    assert set(user) == {"id", "name", "email", "age", "created_at"}
    assert (user["name"], user["email"], user["age"]) == ("Grace", "grace@example.com", 36)
    assert user["created_at"].endswith(("Z", "+00:00"))
    assert response.headers["Location"] == f"/users/{user['id']}"
    assert auth_client.get(response.headers["Location"]).json() == user


def test_email_is_stored_in_lowercase(auth_client: APIClient) -> None:
    user = create(auth_client, email="Grace@Example.COM")
    assert user["email"] == "grace@example.com"


def test_age_is_optional(auth_client: APIClient) -> None:
    fields = {key: value for key, value in NEW_USER.items() if key != "age"}
    response = auth_client.post("/users", fields)
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
        ({"age": "30"}, "age"),
        ({"age": 151}, "age"),
        ({"name": 42}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"email": 42}, "email"),
        ({"password": 12345678}, "password"),
        ({"is_admin": True}, "is_admin"),
        ({"id": 7}, "id"),
    ],
    ids=[
        "bad-email",
        "null-name",
        "empty-name",
        "short-password",
        "negative-age",
        "age-as-text",
        "age-as-numeric-text",
        "age-over-150",
        "name-as-number",
        "long-name",
        "email-as-number",
        "password-as-number",
        "unknown-field",
        "read-only-field",
    ],
)
def test_invalid_users_are_refused_and_not_stored(
    auth_client: APIClient, fields: dict[str, Any], field: str
) -> None:
    response = auth_client.post("/users", NEW_USER | fields)
    assert invalid_fields(response) == {field}
    assert [user["email"] for user in auth_client.get("/users").json()] == ["ada@example.com"]


def test_every_invalid_field_is_named(auth_client: APIClient) -> None:
    response = auth_client.post("/users", NEW_USER | {"name": 42, "age": "thirty", "role": "x"})
    assert invalid_fields(response) == {"name", "age", "role"}
    types = {error["loc"][1]: error["type"] for error in response.json()["detail"]}
    assert types == {"name": "invalid", "age": "invalid", "role": "unknown"}


def test_a_missing_field_is_required(auth_client: APIClient) -> None:
    response = auth_client.post("/users", {"name": "Grace", "password": "s3cret-enough"})
    assert response.json() == {
        "detail": [{"loc": ["body", "email"], "msg": "This field is required.", "type": "required"}]
    }
    assert response.status_code == 422


@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_missing_body_is_a_422(auth_client: APIClient, method: str) -> None:
    user = create(auth_client)
    path = "/users" if method == "post" else f"/users/{user['id']}"
    response = getattr(auth_client, method)(path)
    assert invalid_fields(response) == set()
    assert response.json()["detail"][0]["loc"] == ["body"]
    assert response.json()["detail"][0]["type"] == "required"


def test_a_body_of_another_media_type_is_a_415(auth_client: APIClient) -> None:
    response = auth_client.post("/users", "name=Grace", content_type="text/plain")
    assert response.status_code == 415
    assert set(response.json()) == {"detail"}
    response = auth_client.generic("POST", "/users", '{"name": "Grace"}', content_type="")
    assert response.status_code == 415


def test_missing_name_is_refused(auth_client: APIClient) -> None:
    fields = {key: value for key, value in NEW_USER.items() if key != "name"}
    response = auth_client.post("/users", fields)
    assert invalid_fields(response) == {"name"}


def test_body_that_is_not_json_is_a_400(auth_client: APIClient) -> None:
    response = auth_client.post("/users", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert isinstance(response.json()["detail"], str)


def test_json_that_is_not_an_object_is_a_422(auth_client: APIClient) -> None:
    response = auth_client.post("/users", [NEW_USER])
    assert invalid_fields(response) == set()
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_duplicate_email_is_a_conflict(auth_client: APIClient) -> None:
    create(auth_client)
    response = auth_client.post("/users", NEW_USER | {"email": "GRACE@example.com"})
    assert response.status_code == 409
    assert response.json() == {"detail": "Email already used"}


def test_list_in_creation_order_with_limit_and_offset(auth_client: APIClient) -> None:
    for number in range(3):
        create(auth_client, email=f"user{number}@example.com")
    emails = [user["email"] for user in auth_client.get("/users").json()]
    assert emails == [
        "ada@example.com",
        "user0@example.com",
        "user1@example.com",
        "user2@example.com",
    ]
    page = auth_client.get("/users", {"limit": 2, "offset": 1}).json()
    assert [user["email"] for user in page] == ["user0@example.com", "user1@example.com"]


def test_limit_defaults_to_50(auth_client: APIClient) -> None:
    user_model = get_user_model()
    user_model.objects.bulk_create(
        user_model(email=f"user{number}@example.com", name="User") for number in range(60)
    )
    assert len(auth_client.get("/users").json()) == 50
    assert len(auth_client.get("/users", {"limit": 100}).json()) == 61


@pytest.mark.parametrize(
    "params", [{"limit": 101}, {"limit": 0}, {"offset": -1}, {"limit": "many"}]
)
def test_page_bounds_are_enforced(auth_client: APIClient, params: dict[str, Any]) -> None:
    response = auth_client.get("/users", params)
    assert invalid_fields(response, "query") == set(params)


def test_unknown_user_is_404(auth_client: APIClient) -> None:
    response = auth_client.get("/users/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "User not found"}


@pytest.mark.parametrize("user_id", [str(2**64), str(2**63), "0", "-1", "abc", "0.5", "1e3", "٣"])
def test_an_id_not_from_1_to_2_63_is_a_422(auth_client: APIClient, user_id: str) -> None:
    response = auth_client.get(f"/users/{user_id}")
    assert invalid_fields(response, "path") == {"user_id"}


def test_the_largest_id_is_just_unknown(auth_client: APIClient) -> None:
    response = auth_client.get(f"/users/{2**63 - 1}")
    assert response.status_code == 404
    assert response.json() == {"detail": "User not found"}


def test_update_changes_only_the_given_fields(auth_client: APIClient) -> None:
    user = create(auth_client)
    response = auth_client.patch(f"/users/{user['id']}", {"age": 37})
    assert response.status_code == 200
    assert response.json() == user | {"age": 37}


@pytest.mark.parametrize(
    "fields",
    [
        {"age": -5},
        {"email": "nope"},
        {"password": "short"},
        {"name": None},
        {"email": None},
        {"password": None},
        {"x": 1},
    ],
)
def test_update_is_validated_like_create(auth_client: APIClient, fields: dict[str, Any]) -> None:
    user = create(auth_client)
    response = auth_client.patch(f"/users/{user['id']}", fields)
    assert invalid_fields(response) == set(fields)
    assert auth_client.get(f"/users/{user['id']}").json() == user


def test_update_to_a_used_email_is_a_conflict(auth_client: APIClient) -> None:
    user = create(auth_client)
    response = auth_client.patch(f"/users/{user['id']}", {"email": "ADA@example.com"})
    assert response.status_code == 409
    assert response.json() == {"detail": "Email already used"}


def test_update_of_unknown_user_is_404(auth_client: APIClient) -> None:
    response = auth_client.patch("/users/999", {"age": 1})
    assert response.status_code == 404
    assert response.json() == {"detail": "User not found"}


def test_put_is_not_offered(auth_client: APIClient) -> None:
    user = create(auth_client)
    assert auth_client.put(f"/users/{user['id']}", NEW_USER).status_code == 405


def test_delete_then_get_is_404(auth_client: APIClient) -> None:
    user = create(auth_client)
    assert auth_client.delete(f"/users/{user['id']}").status_code == 204
    assert auth_client.get(f"/users/{user['id']}").status_code == 404
    assert auth_client.delete(f"/users/{user['id']}").status_code == 404


@pytest.mark.parametrize("email", ["qa@example.test", "o'brien@example.com", "a|b@x.example"])
def test_any_syntactically_valid_email_is_accepted(auth_client: APIClient, email: str) -> None:
    response = auth_client.post("/users", NEW_USER | {"email": email}, format="json")
    assert response.status_code == 201
    assert response.json()["email"] == email
