from typing import Any

import pytest
from flask.testing import FlaskClient

NEW_USER = {"name": "Grace", "email": "grace@example.com", "password": "s3cret-enough", "age": 36}


def create(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/users", json=NEW_USER | fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    return body


def emails(client: FlaskClient, **params: int) -> list[str]:
    response = client.get("/users", query_string=params)
    assert response.status_code == 200, response.text
    return [user["email"] for user in response.json]  # type: ignore[union-attr]


def test_create_returns_the_user_without_password(auth_client: FlaskClient) -> None:
    response = auth_client.post("/users", json=NEW_USER)
    assert response.status_code == 201
    user = response.json
    assert user is not None
    assert set(user) == {"id", "name", "email", "age", "created_at"}
    assert (user["name"], user["email"], user["age"]) == ("Grace", "grace@example.com", 36)
    assert user["created_at"].endswith("+00:00")
    assert response.headers["Location"] == f"/users/{user['id']}"
    assert auth_client.get(response.headers["Location"]).json == user


def test_age_is_optional(auth_client: FlaskClient) -> None:
    fields = {key: value for key, value in NEW_USER.items() if key != "age"}
    response = auth_client.post("/users", json=fields)
    assert response.status_code == 201
    assert response.json is not None
    assert response.json["age"] is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"password": "short"}, "password"),
        ({"age": -1}, "age"),
        ({"age": "thirty"}, "age"),
        ({"age": True}, "age"),
        ({"name": 42}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "Gr\x00ce"}, "name"),
        ({"is_admin": True}, "is_admin"),
    ],
    ids=[
        "bad-email",
        "null-name",
        "empty-name",
        "short-password",
        "negative-age",
        "age-as-text",
        "age-as-boolean",
        "name-as-number",
        "long-name",
        "nul-in-name",
        "unknown-field",
    ],
)
def test_invalid_users_are_refused_and_not_stored(
    auth_client: FlaskClient, fields: dict[str, Any], field: str
) -> None:
    response = auth_client.post("/users", json=NEW_USER | fields)
    assert response.status_code == 422
    assert field in response.text
    assert response.json is not None
    assert ["body", field] in [item["loc"] for item in response.json["detail"]]
    assert emails(auth_client) == ["ada@example.com"]


def test_validation_errors_say_where_what_and_which_rule(auth_client: FlaskClient) -> None:
    # The HTTPValidationError shape of every apigen template; `type` is marshmallow's code.
    body = {"name": "", "email": "grace@example.com", "age": "old", "role": "admin"}
    response = auth_client.post("/users", json=body)
    assert response.status_code == 422
    assert response.json is not None
    problems = {tuple(item["loc"]): item for item in response.json["detail"]}
    assert {loc: item["type"] for loc, item in problems.items()} == {
        ("body", "name"): "length",
        ("body", "age"): "invalid",
        ("body", "password"): "required",
        ("body", "role"): "unknown",
    }
    assert problems[("body", "password")]["msg"] == "Missing data for required field."
    assert all(set(item) == {"loc", "msg", "type"} for item in problems.values())


def test_missing_name_is_refused(auth_client: FlaskClient) -> None:
    fields = {key: value for key, value in NEW_USER.items() if key != "name"}
    response = auth_client.post("/users", json=fields)
    assert response.status_code == 422
    assert "name" in response.text


def test_body_that_is_not_json_is_400(auth_client: FlaskClient) -> None:
    for method, path in (("POST", "/users"), ("PATCH", "/users/1")):
        bad = auth_client.open(path, method=method, data="{not", content_type="application/json")
        assert bad.status_code == 400
        assert bad.json == {"detail": "Invalid JSON body."}
    assert emails(auth_client) == ["ada@example.com"]


def test_body_of_another_media_type_is_415(auth_client: FlaskClient) -> None:
    for method, path in (("POST", "/users"), ("PATCH", "/users/1")):
        response = auth_client.open(path, method=method, data="name=x", content_type="text/plain")
        assert response.status_code == 415
        assert response.json == {"detail": "Unsupported media type: send application/json"}


def test_a_body_is_required(auth_client: FlaskClient) -> None:
    for method, path in (("POST", "/users"), ("PATCH", "/users/1")):
        response = auth_client.open(path, method=method)
        assert response.status_code == 422
        assert response.json is not None
        assert [item["loc"] for item in response.json["detail"]] == [["body"]]
    assert auth_client.patch("/users/1", json={}).status_code == 200  # empty: no change


def test_duplicate_email_is_a_conflict(auth_client: FlaskClient) -> None:
    create(auth_client)
    response = auth_client.post("/users", json=NEW_USER | {"email": "GRACE@example.com"})
    assert response.status_code == 409
    assert response.json == {"detail": "Email already used"}


def test_list_in_creation_order_with_limit_and_offset(auth_client: FlaskClient) -> None:
    for number in range(3):
        create(auth_client, email=f"user{number}@example.com")
    assert emails(auth_client) == [
        "ada@example.com",
        "user0@example.com",
        "user1@example.com",
        "user2@example.com",
    ]
    assert emails(auth_client, limit=2, offset=1) == ["user0@example.com", "user1@example.com"]


@pytest.mark.parametrize("params", [{"limit": 101}, {"limit": 0}, {"offset": -1}])
def test_page_bounds_are_enforced(auth_client: FlaskClient, params: dict[str, int]) -> None:
    response = auth_client.get("/users", query_string=params)
    assert response.status_code == 422
    assert response.json is not None
    assert response.json["detail"][0]["loc"] == ["query", *params]


def test_unknown_user_is_404(auth_client: FlaskClient) -> None:
    response = auth_client.get("/users/999")
    assert response.status_code == 404
    assert response.json == {"detail": "User not found"}


def test_id_beyond_64_bits_is_refused(auth_client: FlaskClient) -> None:
    assert auth_client.get(f"/users/{2**64}").status_code in (404, 422)


def test_update_changes_only_the_given_fields(auth_client: FlaskClient) -> None:
    user = create(auth_client)
    response = auth_client.patch(f"/users/{user['id']}", json={"age": 37})
    assert response.status_code == 200
    assert response.json == user | {"age": 37}


@pytest.mark.parametrize(
    "fields", [{"age": -5}, {"email": "nope"}, {"password": "short"}, {"name": None}, {"x": 1}]
)
def test_update_is_validated_like_create(auth_client: FlaskClient, fields: dict[str, Any]) -> None:
    user = create(auth_client)
    response = auth_client.patch(f"/users/{user['id']}", json=fields)
    assert response.status_code == 422
    assert auth_client.get(f"/users/{user['id']}").json == user


def test_update_to_a_used_email_is_a_conflict(auth_client: FlaskClient) -> None:
    user = create(auth_client)
    response = auth_client.patch(f"/users/{user['id']}", json={"email": "ADA@example.com"})
    assert response.status_code == 409


def test_update_of_unknown_user_is_404(auth_client: FlaskClient) -> None:
    assert auth_client.patch("/users/999", json={"age": 1}).status_code == 404


def test_delete_then_get_is_404(auth_client: FlaskClient) -> None:
    user = create(auth_client)
    assert auth_client.delete(f"/users/{user['id']}").status_code == 204
    assert auth_client.get(f"/users/{user['id']}").status_code == 404
    assert auth_client.delete(f"/users/{user['id']}").status_code == 404


@pytest.mark.parametrize("email", ["qa@example.test", "o'brien@example.com", "a|b@x.example"])
def test_any_syntactically_valid_email_is_accepted(auth_client: FlaskClient, email: str) -> None:
    response = auth_client.post("/users", json=NEW_USER | {"email": email})
    assert response.status_code == 201
    assert response.get_json()["email"] == email
