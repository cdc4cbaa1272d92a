import importlib
import json
import os
import runpy
import secrets
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import environ
import pytest
from django.core.management import call_command

from config.environment import SettingsError, settings_module

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def load_settings(module: str, monkeypatch: pytest.MonkeyPatch, **variables: str) -> dict[str, Any]:
    """Run a settings module afresh with these environment variables (and no others of .env)."""
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "DOCS_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return runpy.run_module(module)


def production_settings(monkeypatch: pytest.MonkeyPatch, **variables: str) -> dict[str, Any]:
    return load_settings("config.settings.production", monkeypatch, **variables)


def manage(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "ENVIRONMENT": "production", **variables}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_a_missing_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY must be set"):
        production_settings(monkeypatch, ALLOWED_HOSTS="api.example.com")


@pytest.mark.parametrize(
    "key",
    ["", "too-short", secrets.token_urlsafe(36)[:49], "abcd" * 20],
    ids=["empty", "short", "49-characters", "4-different-characters"],
)
def test_production_refuses_a_weak_secret_key(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY must be set"):
        production_settings(monkeypatch, SECRET_KEY=key, ALLOWED_HOSTS="api.example.com")


def test_production_requires_allowed_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError, match="ALLOWED_HOSTS must list"):
        production_settings(monkeypatch, SECRET_KEY=secrets.token_urlsafe(48))


def test_production_accepts_real_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = production_settings(
        monkeypatch, SECRET_KEY=secrets.token_urlsafe(48), ALLOWED_HOSTS="api.example.com"
    )
    assert settings["DEBUG"] is False
    assert settings["ALLOWED_HOSTS"] == ["api.example.com"]
    assert settings["SECURE_SSL_REDIRECT"]
    assert settings["SESSION_COOKIE_SECURE"]
    assert settings["CSRF_COOKIE_SECURE"]
    assert settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert settings["DOCS_ENABLED"] is False
    assert not settings["SECURE_HSTS_PRELOAD"]
    assert settings["CONTENT_SECURITY_POLICY"] == "default-src 'none'; frame-ancestors 'none'"


def test_production_docs_can_be_turned_on(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = production_settings(
        monkeypatch,
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="api.example.com",
        DOCS_ENABLED="true",
    )
    assert settings["DOCS_ENABLED"] is True


def test_without_a_secret_key_development_gets_a_random_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = load_settings("config.settings.local", monkeypatch)
    second = load_settings("config.settings.local", monkeypatch)
    assert len(first["SECRET_KEY"]) >= 32
    assert first["SECRET_KEY"] != second["SECRET_KEY"]
    assert first["DEBUG"] is True


def test_production_passes_the_deploy_check() -> None:
    result = manage(
        "check",
        "--deploy",
        "--settings=config.settings.production",
        "--fail-level=WARNING",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="api.example.com",
        SECURE_SSL_REDIRECT="true",  # as in production; .env turns it off for this machine
    )
    assert result.returncode == 0, result.stderr


def test_production_start_stops_with_a_clear_message() -> None:
    result = manage("check", SECRET_KEY="", ALLOWED_HOSTS="api.example.com")
    assert result.returncode == 1
    assert result.stderr.startswith("error: SECRET_KEY must be set")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("environment", "module"),
    [
        ("development", "config.settings.local"),
        ("test", "config.settings.test"),
        ("production", "config.settings.production"),
    ],
)
def test_environment_picks_the_settings_module(
    monkeypatch: pytest.MonkeyPatch, environment: str, module: str
) -> None:
    monkeypatch.setenv("ENVIRONMENT", environment)
    assert settings_module() == module


def test_unknown_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "staging")
    with pytest.raises(SettingsError, match="ENVIRONMENT must be one of"):
        settings_module()


@pytest.mark.parametrize(
    ("url", "engine", "name"),
    [
        ("sqlite:///./app.db", "django.db.backends.sqlite3", "./app.db"),
        ("sqlite:////app/data/app.db", "django.db.backends.sqlite3", "/app/data/app.db"),
        ("postgresql://u:p@db:5432/app", "django.db.backends.postgresql", "app"),
    ],
)
def test_database_url_picks_the_django_backend(url: str, engine: str, name: str) -> None:
    config = environ.Env.db_url_config(url)
    assert (config["ENGINE"], config["NAME"]) == (engine, name)


def test_postgresql_connections_time_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/app")
    # By path: the module itself is imported already (the test settings build on it).
    settings = runpy.run_path(str(PROJECT_ROOT / "config" / "settings" / "base.py"))
    database = settings["DATABASES"]["default"]
    assert database["CONN_MAX_AGE"] == 0
    assert database["ENGINE"].endswith(".core.postgresql")
    assert database["OPTIONS"]["connect_timeout"] == 5
    assert database["OPTIONS"]["pool"]["timeout"] == 5  # waiting for a pooled connection
    assert settings["DATABASE_TIMEOUT"] == 5


def test_sqlite_connections_are_kept_for_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django's set-up of a SQLite connection is a quarter of a /health request's work: each
    thread keeps its own for SQLITE_CONNECTION_MAX_AGE seconds."""
    settings = base_settings(monkeypatch, DATABASE_URL="sqlite:///./app.db")
    database = settings["DATABASES"]["default"]
    assert database["CONN_MAX_AGE"] == settings["SQLITE_CONNECTION_MAX_AGE"] == 60
    assert database["OPTIONS"]["timeout"] == 5


def test_database_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/app")
    settings = base_settings(monkeypatch, DATABASE_TIMEOUT="2.5")
    assert settings["DATABASE_TIMEOUT"] == 2.5
    assert settings["DATABASES"]["default"]["OPTIONS"]["connect_timeout"] == 3
    assert settings["DATABASES"]["default"]["OPTIONS"]["pool"]["timeout"] == 2.5


def base_settings(monkeypatch: pytest.MonkeyPatch, **variables: str) -> dict[str, Any]:
    """config/settings/base.py run afresh (by path: the module itself is imported already)."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(PROJECT_ROOT / "config" / "settings" / "base.py"))


def test_security_settings_have_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "RATE_LIMIT",
        "MAX_BODY_BYTES",
        "DOCS_ENABLED",
        "CORS_ORIGINS",
        "FAILED_LOGIN_LIMIT",
        "PASSWORD_HASH_CONCURRENCY",
        "OPEN_SIGNUP",
        "TRUSTED_PROXIES",
        "DATABASE_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = base_settings(monkeypatch)
    assert settings["FAILED_LOGIN_LIMIT"] == "10/minute"
    assert settings["PASSWORD_HASH_CONCURRENCY"] == 2
    assert settings["OPEN_SIGNUP"] is False
    assert settings["TRUSTED_PROXIES"] == []
    assert settings["DATABASE_TIMEOUT"] == 5
    assert settings["RATE_LIMIT"] == "600/minute"
    assert settings["MAX_BODY_BYTES"] == 1_048_576
    assert settings["DOCS_ENABLED"] is True
    assert "corsheaders.middleware.CorsMiddleware" not in settings["MIDDLEWARE"]


def test_cors_origins_turn_cors_on_with_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = base_settings(monkeypatch, CORS_ORIGINS="https://a.example.com, http://b.test:8080")
    assert settings["CORS_ALLOWED_ORIGINS"] == ["https://a.example.com", "http://b.test:8080"]
    assert settings["CORS_ALLOW_CREDENTIALS"] is True
    assert "corsheaders.middleware.CorsMiddleware" in settings["MIDDLEWARE"]


def test_cors_wildcard_never_allows_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = base_settings(monkeypatch, CORS_ORIGINS="*")
    assert settings["CORS_ALLOW_ALL_ORIGINS"] is True
    assert settings["CORS_ALLOW_CREDENTIALS"] is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RATE_LIMIT", "600"),
        ("RATE_LIMIT", "lots/minute"),
        ("RATE_LIMIT", "600/fortnight"),
        ("MAX_BODY_BYTES", "1MB"),
        ("MAX_BODY_BYTES", "0"),
        ("CORS_ORIGINS", "app.example.com"),
        ("FAILED_LOGIN_LIMIT", "ten a minute"),
        ("PASSWORD_HASH_CONCURRENCY", "0"),
        ("TRUSTED_PROXIES", "proxy.example.com"),
        ("DATABASE_TIMEOUT", "0"),
        ("DATABASE_TIMEOUT", "soon"),
    ],
)
def test_wrong_security_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    with pytest.raises(SettingsError, match=f"{name} must"):
        base_settings(monkeypatch, **{name: value})


def test_migrations_match_the_models(db: None) -> None:
    """`manage.py makemigrations --check`: a model change without its migration fails here."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


GUNICORN_VARIABLES = (
    "HOST",
    "PORT",
    "WEB_CONCURRENCY",
    "GUNICORN_TIMEOUT",
    "GUNICORN_GRACEFUL_TIMEOUT",
    "GUNICORN_KEEPALIVE",
    "GUNICORN_THREADS",
    "TRUSTED_PROXIES",
)


def gunicorn_settings(monkeypatch: pytest.MonkeyPatch, **variables: str) -> dict[str, Any]:
    """gunicorn.conf.py run with these variables (and none of the others set)."""
    for name in GUNICORN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    settings = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    return {name: value for name, value in settings.items() if not name.startswith("_")}


def test_gunicorn_settings_have_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = gunicorn_settings(monkeypatch)
    assert settings["wsgi_app"] == "config.wsgi"
    assert settings["bind"] == ["127.0.0.1:8000"]
    assert settings["workers"] == 2
    assert settings["worker_class"] == "config.gunicorn_worker.ThreadWorker"  # gthread
    assert settings["threads"] == 64
    assert settings["forwarded_allow_ips"] == ""  # no proxy is trusted unless listed
    assert (settings["timeout"], settings["graceful_timeout"], settings["keepalive"]) == (30, 30, 5)
    assert settings["accesslog"] is None  # the request middleware writes the access line
    assert settings["control_socket_disable"] is True


def test_gunicorn_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = gunicorn_settings(
        monkeypatch,
        HOST="10.1.2.3",
        PORT="9000",
        WEB_CONCURRENCY="5",
        GUNICORN_TIMEOUT="60",
        GUNICORN_GRACEFUL_TIMEOUT="20",
        GUNICORN_KEEPALIVE="0",
        GUNICORN_THREADS="8",
        TRUSTED_PROXIES="10.0.0.1, 10.0.0.2",
    )
    assert settings["threads"] == 8
    assert settings["forwarded_allow_ips"] == "10.0.0.1,10.0.0.2"
    assert settings["bind"] == ["10.1.2.3:9000"]
    assert settings["workers"] == 5
    assert (settings["timeout"], settings["graceful_timeout"], settings["keepalive"]) == (60, 20, 0)
    assert gunicorn_settings(monkeypatch, HOST="::")["bind"] == ["[::]:8000"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("PORT", "http"), ("WEB_CONCURRENCY", "0"), ("GUNICORN_TIMEOUT", "-1")],
)
def test_wrong_gunicorn_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    with pytest.raises(SystemExit, match=f"{name} must be a whole number"):
        gunicorn_settings(monkeypatch, **{name: value})


def test_gunicorn_knows_every_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gunicorn ignores names it does not know: a misspelt setting would do nothing; and it
    takes every name it knows for a setting, an imported module's too."""
    settings = gunicorn_settings(monkeypatch)
    config = importlib.import_module("gunicorn.config").Config()
    modules = {name for name, value in settings.items() if isinstance(value, ModuleType)}
    assert not modules & set(config.settings)
    names = {
        name
        for name, value in settings.items()
        if not callable(value) and not isinstance(value, ModuleType)
    }
    assert names <= set(config.settings)
    for name in names:
        config.set(name, settings[name])  # Gunicorn's own validation of each value


def test_gunicorn_answers_its_own_errors_in_json() -> None:
    from config.gunicorn_worker import write_json_error

    server, client = socket.socketpair()
    with server, client:
        write_json_error(server, 431, "Request Header Fields Too Large", "too many headers")
        answer = client.recv(4096).decode()
    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert "Content-Type: application/json" in head
    assert json.loads(body) == {"detail": "Request Header Fields Too Large"}


def test_a_port_in_use_stops_gunicorn_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        settings = gunicorn_settings(monkeypatch, HOST="127.0.0.1", PORT=port)
        with pytest.raises(SystemExit, match=f"cannot listen on 127.0.0.1:{port}: in use"):
            settings["on_starting"](None)
