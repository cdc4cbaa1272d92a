import logging

import pytest
from django.conf import settings
from django.db import OperationalError, connections
from django.test import override_settings
from rest_framework.test import APIClient


def test_health_answers_ok_when_the_database_answers(client: APIClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_answers_503_when_the_database_does_not(
    client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(*args: object) -> None:
        raise OperationalError("unable to open database file")

    with monkeypatch.context() as patch:  # undone before the test database is torn down
        patch.setattr(type(connections["default"]), "cursor", unreachable)
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"detail": "Database unavailable"}
    assert response["Retry-After"] == "5"
    assert client.get("/health/live").json() == {"status": "ok"}


def test_request_id_is_generated_and_returned(client: APIClient) -> None:
    response = client.get("/health")
    assert len(response.headers["X-Request-ID"]) == 32


def test_request_id_from_the_client_is_kept(client: APIClient) -> None:
    response = client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"


def test_unsafe_request_id_is_replaced(client: APIClient) -> None:
    response = client.get("/health", headers={"X-Request-ID": "bad\nid"})
    assert response.headers["X-Request-ID"] != "bad\nid"


def test_one_access_line_per_request(client: APIClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="api.access"):
        client.get("/health", headers={"X-Request-ID": "trace-1"})
    lines = [record for record in caplog.records if record.name == "api.access"]
    assert len(lines) == 1
    assert lines[0].getMessage().startswith("GET /health 200 ")
    assert getattr(lines[0], "request_id", None) == "trace-1"


def test_unhandled_error_is_a_logged_json_500(
    client: APIClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    with monkeypatch.context() as patch, caplog.at_level(logging.ERROR, logger="api.error"):
        patch.setattr(type(connections["default"]), "cursor", broken)
        response = client.get("/health", headers={"X-Request-ID": "err-1"})
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error"}
    assert response.headers["X-Request-ID"] == "err-1"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    errors = [record for record in caplog.records if record.name == "api.error"]
    assert len(errors) == 1
    assert errors[0].exc_info is not None


def test_unknown_path_is_a_json_404(client: APIClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}


def test_docs_and_schema_are_served(client: APIClient) -> None:
    response = client.get("/openapi.json")
    assert response["Content-Type"].startswith("application/json")
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/health", "/health/live", "/secure", "/users", "/users/{user_id}"} <= set(
        schema["paths"]
    )
    assert "put" not in schema["paths"]["/users/{user_id}"]
    assert {"400", "401", "404", "409", "413", "415", "422"} <= set(
        schema["paths"]["/users/{user_id}"]["patch"]["responses"]
    )
    assert "503" in schema["paths"]["/health"]["get"]["responses"]
    for path in ("/secure", "/users", "/users/{user_id}"):
        for operation in schema["paths"][path].values():
            assert {"401", "429"} <= set(operation["responses"])
    assert schema["components"]["schemas"]["UserCreate"]["additionalProperties"] is False
    assert "swagger-ui" in client.get("/docs").content.decode()


@pytest.mark.parametrize("header", ["Basic bm9ib2R5Ondyb25n", "Bearer not.a.token"])
def test_docs_ignore_wrong_credentials(client: APIClient, header: str) -> None:
    wrong = {"Authorization": header}
    assert client.get("/openapi.json", headers=wrong).status_code == 200
    assert client.get("/health", headers=wrong).status_code == 200


@pytest.mark.parametrize("path", ["/health", "/nowhere", "/secure"])
def test_security_headers_are_set(client: APIClient, path: str) -> None:
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_cors_is_off_unless_origins_are_configured(client: APIClient) -> None:
    preflight = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"}
    response = client.options("/users", headers=preflight)
    assert "Access-Control-Allow-Origin" not in response.headers
    # What config/settings/base.py does when CORS_ORIGINS is set.
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.middleware.clickjacking.XFrameOptionsMiddleware") + 1,
        "corsheaders.middleware.CorsMiddleware",
    )
    with override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.com"], MIDDLEWARE=middleware):
        response = APIClient().options("/users", headers=preflight)
        other = {**preflight, "Origin": "https://evil.example.com"}
        refused = APIClient().options("/users", headers=other)
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Access-Control-Allow-Origin" not in refused.headers


@override_settings(DOCS_ENABLED=False)
def test_docs_can_be_switched_off(client: APIClient) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found"}


def test_oversized_body_is_413(auth_client: APIClient) -> None:
    body = {"name": "x" * (settings.MAX_BODY_BYTES + 1)}
    response = auth_client.post("/users", body)
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large"}
    assert response.headers["X-Frame-Options"] == "DENY"


@override_settings(RATE_LIMIT="3/minute")
def test_clients_over_the_rate_limit_get_429(client: APIClient) -> None:
    statuses = [client.get("/secure").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    response = client.get("/users")
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many requests"}
    assert int(response.headers["Retry-After"]) > 0
    # The public endpoints are not rate limited.
    assert client.get("/health").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_data_endpoints_answer_503_while_the_database_is_unavailable(
    auth_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(*args: object) -> None:
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:  # undone before the test database is torn down
        patch.setattr(type(connections["default"]), "cursor", unreachable)
        response = auth_client.get("/users")
    assert response.status_code == 503
    assert response.json() == {"detail": "Database unavailable"}
    assert response.headers["Retry-After"] == "5"


PRODUCTION_HEADERS = {
    "CONTENT_SECURITY_POLICY": "default-src 'none'; frame-ancestors 'none'",
    "CONTENT_SECURITY_POLICY_PAGES": "default-src 'self'",
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
}


@override_settings(**PRODUCTION_HEADERS)
@pytest.mark.parametrize("path", ["/health", "/nowhere", "/users"])
def test_production_answers_carry_hsts_and_a_strict_csp(client: APIClient, path: str) -> None:
    headers = client.get(path).headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


@override_settings(**PRODUCTION_HEADERS)
@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_load_everything_from_this_service(client: APIClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == "default-src 'self'"
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "https://" not in page
    assert "<script>" not in page  # no inline script: the CSP allows none
