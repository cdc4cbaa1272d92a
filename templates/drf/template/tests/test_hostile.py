"""Hostile input: whatever the bytes, the answer is a 4xx (never a 5xx) with a JSON body.

Property-based (hypothesis) over raw bodies, query strings and header bytes, plus the inputs
known to break services: NUL, lone surrogates, NaN, 10,000-deep JSON, 5,000-digit integers,
ids beyond 64 bits, non-UTF-8 bytes, chunked bodies over MAX_BODY_BYTES.
"""

import base64
import io
import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from .authentication import login_attempt
from .validation import invalid_fields

PROPERTY = hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
VALID = {"name": "Eve", "email": "eve@example.com", "password": "eve's long password"}


def assert_json_4xx(response: Any) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = json.loads(response.content)
    return body


def post_raw(client: APIClient, path: str, body: bytes, content_type: str) -> Any:
    data: Any = body  # the test client sends bytes as they are
    return client.generic("POST", path, data, content_type=content_type)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "nul\u0000name"}, "name"),
        ({"email": "eve\u0000@example.com"}, "email"),
        ({"password": "nul\u0000password"}, "password"),
        ({"age": 10**200}, "age"),
    ],
    ids=["nul-name", "nul-email", "nul-password", "huge-age"],
)
def test_text_no_database_can_store_is_refused(
    auth_client: APIClient, body: dict[str, Any], field: str
) -> None:
    response = auth_client.post("/users", VALID | body)
    assert invalid_fields(response) == {field}


@pytest.mark.parametrize("field", ["name", "email", "password"])
def test_lone_surrogates_are_refused(auth_client: APIClient, field: str) -> None:
    raw = json.dumps(VALID).replace(json.dumps(VALID[field]), '"a\\ud800b"')
    response = post_raw(auth_client, "/users", raw.encode(), "application/json")
    assert invalid_fields(response) == {field}


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": NaN}',
        '{"age": Infinity}',
        '{"age": -Infinity}',
        "[" * 10_000 + "]" * 10_000,
        '{"a":' * 10_000 + "1" + "}" * 10_000,
        '{"age": ' + "9" * 5000 + "}",
    ],
    ids=["nan", "infinity", "minus-infinity", "deep-list", "deep-object", "5000-digits"],
)
def test_json_that_breaks_parsers_is_a_400(auth_client: APIClient, raw: str) -> None:
    assert_json_4xx(post_raw(auth_client, "/users", raw.encode(), "application/json"))


def test_bytes_that_are_not_utf8_are_a_400(auth_client: APIClient) -> None:
    body = b'{"name": "\xff\xfe", "email": "x@example.com", "password": "12345678"}'
    assert_json_4xx(post_raw(auth_client, "/users", body, "application/json"))


@pytest.mark.parametrize("user_id", [str(2**63), str(2**64), "9" * 5000, "-9" + "9" * 30])
def test_ids_beyond_64_bits_are_a_422(auth_client: APIClient, user_id: str) -> None:
    assert invalid_fields(auth_client.get(f"/users/{user_id}"), "path") == {"user_id"}
    assert invalid_fields(auth_client.patch(f"/users/{user_id}", {"age": 1}), "path") == {"user_id"}
    assert invalid_fields(auth_client.delete(f"/users/{user_id}"), "path") == {"user_id"}


@pytest.mark.parametrize(
    "header",
    [b"Basic \xff\xfe\xfd", b"Basic " + base64.b64encode(b"\xff@x:\xfe"), b"\xff"],
    ids=["raw-bytes", "encoded-bytes", "garbage"],
)
def test_authorization_that_is_not_utf8_is_a_401(client: APIClient, header: bytes) -> None:
    response = client.get("/secure", HTTP_AUTHORIZATION=header.decode("latin-1"))
    assert response.status_code == 401
    assert_json_4xx(response)


def chunked_post(path: str, body: bytes, **headers: str) -> Any:
    """A request whose body comes without Content-Length, as Gunicorn hands a chunked one."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input": io.BytesIO(body),
        **headers,
    }
    return Client().request(**environ)


def test_a_chunked_body_is_read(account: tuple[str, str], auth_header: str) -> None:
    response = chunked_post("/users", json.dumps(VALID).encode(), HTTP_AUTHORIZATION=auth_header)
    assert response.status_code == 201, response.content
    assert response.json()["email"] == VALID["email"]


def test_a_chunked_body_over_the_limit_is_413(account: tuple[str, str], auth_header: str) -> None:
    body = b'{"name": "' + b"x" * settings.MAX_BODY_BYTES + b'"}'
    response = chunked_post("/users", body, HTTP_AUTHORIZATION=auth_header)
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large"}


@PROPERTY
@given(body=st.binary(max_size=300))
def test_any_body_bytes(auth_client: APIClient, body: bytes) -> None:
    response = post_raw(auth_client, "/users", body, "application/json")
    if response.status_code != 201:
        assert_json_4xx(response)


@PROPERTY
@given(
    document=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_any_json_document(auth_client: APIClient, document: Any) -> None:
    raw = json.dumps(document).encode("utf-8", "surrogatepass")
    response = post_raw(auth_client, "/users", raw, "application/json")
    assert_json_4xx(response)


@PROPERTY
@given(
    fields=st.dictionaries(
        st.sampled_from(["name", "email", "password", "age"]), st.text(max_size=40)
    )
)
def test_any_text_in_the_fields(auth_client: APIClient, fields: dict[str, str]) -> None:
    raw = json.dumps(VALID | fields).encode("utf-8", "surrogatepass")
    response = post_raw(auth_client, "/users", raw, "application/json")
    if response.status_code != 201:
        assert_json_4xx(response)
    else:
        assert auth_client.delete(response.headers["Location"]).status_code == 204


@PROPERTY
@given(query=st.binary(max_size=80))
def test_any_query_string(auth_client: APIClient, query: bytes) -> None:
    response = auth_client.get("/users", QUERY_STRING=query.decode("latin-1"))
    if response.status_code != 200:
        assert_json_4xx(response)


@PROPERTY
@given(
    value=st.binary(min_size=1, max_size=80),
    name=st.sampled_from(["AUTHORIZATION", "X_REQUEST_ID", "CONTENT_TYPE", "HOST"]),
)
def test_any_header_bytes(client: APIClient, value: bytes, name: str) -> None:
    key = name if name == "CONTENT_TYPE" else f"HTTP_{name}"
    environ: dict[str, Any] = {key: value.decode("latin-1")}  # as Gunicorn decodes headers
    response = client.get("/secure", **environ)
    assert_json_4xx(response)


def test_no_error_echoes_a_password(auth_client: APIClient) -> None:
    secret = "n0t-an-echo\u0000"
    response = auth_client.post("/users", VALID | {"password": secret, "email": "bad"})
    assert secret.rstrip("\u0000") not in response.content.decode()


@pytest.mark.parametrize(
    ("email", "password"),
    [("eve\u0000@example.com", "a long password"), ("eve@example.com", "nul\u0000password")],
    ids=["nul-email", "nul-password"],
)
def test_credentials_no_account_can_have_are_a_401(
    client: APIClient, account: tuple[str, str], email: str, password: str
) -> None:
    response = login_attempt(client, email, password)
    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect email or password"}
