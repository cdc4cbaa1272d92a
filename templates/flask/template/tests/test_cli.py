from flask.testing import FlaskClient, FlaskCliRunner

from .authentication import credentials


def test_create_user_then_log_in(runner: FlaskCliRunner, client: FlaskClient) -> None:
    # As `make createuser` calls it: EMAIL and PASSWORD from the environment.
    env = {"EMAIL": "Root@Example.com", "PASSWORD": "a long password"}
    result = runner.invoke(args=["create-user"], env=env)
    assert result.exit_code == 0, result.output
    assert "Created user root@example.com" in result.output
    headers = credentials(client, "root@example.com", "a long password")
    assert client.get("/secure", headers=headers).json == {"message": "Hello, root@example.com"}


def test_create_user_refuses_invalid_input(
    runner: FlaskCliRunner, auth_client: FlaskClient
) -> None:
    args = ["create-user", "--email", "root@example.com", "--password", "short"]
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    assert "password" in result.output
    users = auth_client.get("/users").json
    assert users is not None
    assert [user["email"] for user in users] == ["ada@example.com"]


def test_create_user_refuses_a_used_email(runner: FlaskCliRunner, account: tuple[str, str]) -> None:
    args = ["create-user", "--email", account[0].upper(), "--password", "another password"]
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "already exists" in result.output
