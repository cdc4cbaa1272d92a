import pytest
from flask.testing import FlaskClient


def test_secure_greets_the_authenticated_user(auth_client: FlaskClient) -> None:
    response = auth_client.get("/secure")
    assert response.status_code == 200
    assert response.json == {"message": "Hello, ada@example.com"}


@pytest.mark.parametrize("path", ["/secure", "/users", "/users/1"])
def test_protected_endpoints_require_credentials(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "credentials",
    [("ada@example.com", "wrong password"), ("nobody@example.com", "correct horse battery staple")],
    ids=["wrong-password", "unknown-user"],
)
def test_wrong_credentials_get_the_same_401(
    client: FlaskClient, account: tuple[str, str], credentials: tuple[str, str]
) -> None:
    response = client.get("/secure", auth=credentials)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.json == {"detail": "Incorrect email or password"}


def test_login_email_is_case_insensitive(client: FlaskClient, account: tuple[str, str]) -> None:
    response = client.get("/secure", auth=("ADA@example.com", account[1]))
    assert response.status_code == 200


def test_malformed_authorization_header_is_401(client: FlaskClient) -> None:
    response = client.get("/secure", headers={"Authorization": "Basic not-base64!"})
    assert response.status_code == 401


def test_credentials_are_checked_before_input(client: FlaskClient) -> None:
    response = client.post("/users", json={"name": 42})
    assert response.status_code == 401
