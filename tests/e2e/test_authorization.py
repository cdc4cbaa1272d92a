"""Authorization over real HTTP (docs/security.md): the `make createuser` account is an admin who
manages everyone; an account created through the API is ordinary and sees and changes only
itself. Anyone else's record is 404, as a missing one is, so ids cannot be probed."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .conftest import SERVED_PROJECTS, Account, LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("project", SERVED_PROJECTS, indirect=True)]

NOT_FOUND = {"detail": "User not found"}
INVALID = (400, 422)


@pytest.fixture
def admin(live_server: LiveServer) -> Iterator[httpx.Client]:
    with live_server.client() as client:
        yield client


@pytest.fixture
def mallory(live_server: LiveServer) -> Account:
    return live_server.new_ordinary_account()


@pytest.fixture
def as_mallory(live_server: LiveServer, mallory: Account) -> Iterator[httpx.Client]:
    with live_server.client_as(mallory) as client:
        yield client


@pytest.fixture
def victim(live_server: LiveServer) -> Account:
    return live_server.new_ordinary_account()


def _admin_record(admin: httpx.Client, live_server: LiveServer) -> dict[str, Any]:
    first: dict[str, Any] = admin.get("/users", params={"limit": 1}).json()[0]
    assert first["email"] == live_server.email, "the admin is the served project's first account"
    return first


def test_an_ordinary_list_holds_only_itself(as_mallory: httpx.Client, mallory: Account) -> None:
    response = as_mallory.get("/users")
    assert response.status_code == 200
    assert [user["email"] for user in response.json()] == [mallory.email]
    assert as_mallory.get("/users", params={"offset": 1}).json() == []


def test_an_admin_lists_everyone(admin: httpx.Client, mallory: Account, victim: Account) -> None:
    emails: list[str] = []
    while page := admin.get("/users", params={"limit": 100, "offset": len(emails)}).json():
        emails += [user["email"] for user in page]
    assert {mallory.email, victim.email} <= set(emails)


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_anyone_elses_record_is_404(
    as_mallory: httpx.Client, admin: httpx.Client, victim: Account, method: str
) -> None:
    body = {"password": "owned by mallory 1", "name": "Owned"} if method == "PATCH" else None
    response = as_mallory.request(method, f"/users/{victim.id}", json=body)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert admin.get(f"/users/{victim.id}").json()["name"] == "Ordinary"  # untouched


def test_the_admin_cannot_be_taken_over(
    as_mallory: httpx.Client, admin: httpx.Client, live_server: LiveServer
) -> None:
    """Finding 1 of issue 13: any account could PATCH the admin's password."""
    target = _admin_record(admin, live_server)
    response = as_mallory.patch(f"/users/{target['id']}", json={"password": "owned by mallory 1"})
    assert response.status_code == 404
    assert as_mallory.delete(f"/users/{target['id']}").status_code == 404
    with live_server.client() as still_admin:  # the admin's own password still works
        assert still_admin.get("/secure").status_code == 200


def test_an_ordinary_account_cannot_create_accounts(as_mallory: httpx.Client) -> None:
    body = {"name": "Sock", "email": "sock-puppet@example.com", "password": "a long password"}
    response = as_mallory.post("/users", json=body)
    assert response.status_code == 403
    assert response.json() == {"detail": "Only admins can create accounts"}


@pytest.mark.parametrize("field", ["is_admin", "is_staff", "is_superuser", "role"])
def test_an_ordinary_account_cannot_give_itself_a_role(
    as_mallory: httpx.Client, mallory: Account, field: str
) -> None:
    value = "admin" if field == "role" else True
    response = as_mallory.patch(f"/users/{mallory.id}", json={field: value})
    assert response.status_code in INVALID
    assert field in response.text
    body = {"name": "Sock", "email": f"sock-{field}@example.com", "password": "a long password"}
    assert as_mallory.post("/users", json=body).status_code == 403  # still ordinary


def test_an_ordinary_account_manages_itself(
    live_server: LiveServer, as_mallory: httpx.Client, mallory: Account
) -> None:
    own = as_mallory.get(f"/users/{mallory.id}")
    assert own.status_code == 200
    assert own.json()["email"] == mallory.email
    renamed = as_mallory.patch(f"/users/{mallory.id}", json={"name": "Mallory", "age": 30})
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["age"]) == ("Mallory", 30)
    credentials = live_server.credentials(mallory.email, mallory.password)
    assert as_mallory.delete(f"/users/{mallory.id}").status_code == 204
    with live_server.client(authenticated=False) as anonymous:  # a deleted account is gone
        assert anonymous.get("/secure", headers=credentials).status_code == 401


def test_an_admin_manages_an_ordinary_account(admin: httpx.Client, victim: Account) -> None:
    assert admin.get(f"/users/{victim.id}").status_code == 200
    response = admin.patch(f"/users/{victim.id}", json={"name": "Renamed by the admin"})
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed by the admin"


def test_a_password_change_ends_earlier_credentials(
    live_server: LiveServer, victim: Account, admin: httpx.Client
) -> None:
    """Finding 8: tokens stayed valid after a password change (Basic: the remembered password)."""
    before = live_server.credentials(victim.email, victim.password)
    with live_server.client(authenticated=False) as anonymous:
        assert anonymous.get("/secure", headers=before).status_code == 200
        new_password = "a brand new long password"
        changed = admin.patch(f"/users/{victim.id}", json={"password": new_password})
        assert changed.status_code == 200
        assert anonymous.get("/secure", headers=before).status_code == 401
        after = live_server.credentials(victim.email, new_password)
        assert anonymous.get("/secure", headers=after).status_code == 200
