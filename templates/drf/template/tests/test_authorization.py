"""Two roles (users/permissions.py): the admin manages every account; an ordinary account sees
and changes only its own, and anyone else's is a 404, the same answer as a missing id."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from rest_framework.test import APIClient

from .authentication import authenticated, login_attempt
from .conftest import EMAIL, ORDINARY_EMAIL, PASSWORD
from .validation import invalid_fields

NEW_USER = {"name": "Cy", "email": "cy@example.com", "password": "cy's long password"}
NOT_FOUND = {"detail": "User not found"}


def user_id(email: str) -> int:
    return int(get_user_model().objects.get(email=email).pk)


def test_the_admin_sees_and_manages_everyone(
    auth_client: APIClient, ordinary: tuple[str, str]
) -> None:
    assert [user["email"] for user in auth_client.get("/users").json()] == [EMAIL, ORDINARY_EMAIL]
    other = user_id(ORDINARY_EMAIL)
    assert auth_client.get(f"/users/{other}").status_code == 200
    assert auth_client.patch(f"/users/{other}", {"age": 40}).json()["age"] == 40
    assert auth_client.post("/users", NEW_USER).status_code == 201
    assert auth_client.delete(f"/users/{other}").status_code == 204


def test_an_ordinary_account_lists_only_itself(
    ordinary_client: APIClient, account: tuple[str, str]
) -> None:
    listed = ordinary_client.get("/users").json()
    assert [user["email"] for user in listed] == [ORDINARY_EMAIL]
    assert ordinary_client.get("/users", {"offset": 1}).json() == []


@pytest.mark.parametrize(
    ("method", "body"),
    [("get", None), ("patch", {"password": "owned by bo, now"}), ("delete", None)],
)
def test_an_ordinary_account_cannot_touch_anyone_else(
    ordinary_client: APIClient, account: tuple[str, str], method: str, body: Any
) -> None:
    admin = user_id(EMAIL)
    response = getattr(ordinary_client, method)(f"/users/{admin}", body)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    # Exactly what a missing id answers: nothing tells the two apart.
    missing = getattr(ordinary_client, method)("/users/999999", body)
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)
    assert login_attempt(APIClient(), EMAIL, PASSWORD).status_code == 200  # admin unharmed
    assert get_user_model().objects.filter(email=EMAIL).exists()


def test_an_ordinary_account_manages_itself(ordinary_client: APIClient) -> None:
    me = user_id(ORDINARY_EMAIL)
    assert ordinary_client.get(f"/users/{me}").json()["email"] == ORDINARY_EMAIL
    assert ordinary_client.patch(f"/users/{me}", {"name": "Bo B."}).json()["name"] == "Bo B."
    assert ordinary_client.delete(f"/users/{me}").status_code == 204
    assert not get_user_model().objects.filter(email=ORDINARY_EMAIL).exists()


@pytest.mark.parametrize("field", ["is_admin", "is_staff", "is_superuser", "role"])
def test_nobody_grants_themselves_a_role(ordinary_client: APIClient, field: str) -> None:
    me = user_id(ORDINARY_EMAIL)
    response = ordinary_client.patch(f"/users/{me}", {field: True})
    assert invalid_fields(response) == {field}
    user = get_user_model().objects.get(pk=me)
    assert not (user.is_staff or user.is_superuser)


def test_only_admins_create_accounts(client: APIClient, ordinary_client: APIClient) -> None:
    response = ordinary_client.post("/users", NEW_USER)
    assert response.status_code == 403
    assert response.json() == {"detail": "Only admins can create accounts"}
    assert client.post("/users", NEW_USER).status_code == 401
    assert not get_user_model().objects.filter(email=NEW_USER["email"]).exists()


@override_settings(OPEN_SIGNUP=True)
def test_open_signup_lets_anyone_create_an_ordinary_account(client: APIClient) -> None:
    response = client.post("/users", NEW_USER)
    assert response.status_code == 201
    user = get_user_model().objects.get(email=NEW_USER["email"])
    assert not (user.is_staff or user.is_superuser)
    assert client.get("/users").status_code == 401  # the rest still needs credentials
    new = authenticated(NEW_USER["email"], NEW_USER["password"])
    assert [listed["email"] for listed in new.get("/users").json()] == [NEW_USER["email"]]


def test_accounts_made_through_the_api_are_ordinary(auth_client: APIClient) -> None:
    created = auth_client.post("/users", NEW_USER).json()
    user = get_user_model().objects.get(pk=created["id"])
    assert not (user.is_staff or user.is_superuser)
    assert set(created) == {"id", "name", "email", "age", "created_at"}


def test_the_schema_states_the_rule(client: APIClient) -> None:
    schema = client.get("/openapi.json").json()
    create = schema["paths"]["/users"]["post"]
    assert "Only admins create accounts" in create["description"]
    assert "403" in create["responses"]
    for method in ("get", "patch", "delete"):
        operation = schema["paths"]["/users/{user_id}"][method]
        assert "anyone else's answers 404" in operation["description"]
