"""Hostile input never causes a 500 (README, "Security"): every error is a 4xx JSON answer that
names the problem. Explicit cases first, then property-based ones (hypothesis) that send raw
bodies, query strings, paths and headers."""

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx2
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NEW_USER = {"name": "Grace", "email": "grace@example.com", "password": "s3cret-enough"}
JSON = {"Content-Type": "application/json"}


def assert_json_error(response: httpx2.Response, *statuses: int) -> Any:
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/json"
    return response.json()


@pytest.mark.parametrize("field", ["name", "email", "password"])
def test_nul_is_refused_in_every_text_field(auth_client: TestClient, field: str) -> None:
    value = {"name": "Gr\0ce", "email": "gr\0ce@example.com", "password": "s3cret\0enough"}[field]
    body = assert_json_error(auth_client.post("/users", json=NEW_USER | {field: value}), 422)
    assert body["detail"][0]["loc"] == ["body", field]
    assert "s3cret" not in json.dumps(body)


@pytest.mark.parametrize("field", ["name", "password"])
def test_a_lone_surrogate_is_refused(auth_client: TestClient, field: str) -> None:
    raw = json.dumps(NEW_USER | {field: "x\ud800yyyyyyyy"}).encode()  # \ud800 escaped by json
    body = assert_json_error(auth_client.post("/users", content=raw, headers=JSON), 422)
    assert body["detail"][0]["loc"] == ["body", field]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1" * 5000, "1e999"])
def test_numbers_json_cannot_hold_are_refused(auth_client: TestClient, number: str) -> None:
    raw = json.dumps(NEW_USER)[:-1] + f', "age": {number}}}'
    assert_json_error(auth_client.post("/users", content=raw, headers=JSON), 400, 422)


def test_deeply_nested_json_is_refused(auth_client: TestClient) -> None:
    raw = "[" * 10_000 + "]" * 10_000
    assert_json_error(auth_client.post("/users", content=raw, headers=JSON), 400, 422)


def test_a_body_that_is_not_utf8_is_refused(auth_client: TestClient) -> None:
    raw = b'{"name": "\xff\xfe", "email": "a@example.com", "password": "12345678"}'
    assert_json_error(auth_client.post("/users", content=raw, headers=JSON), 400, 422)


@pytest.mark.parametrize(
    "path", ["/users/99999999999999999999999", "/users/-1", "/users/0", "/users/1e3"]
)
def test_ids_outside_int64_are_refused(auth_client: TestClient, path: str) -> None:
    assert_json_error(auth_client.get(path), 404, 422)


@pytest.mark.parametrize(
    "params", [{"offset": "9" * 5000}, {"limit": "9" * 30}, {"limit": "NaN"}, {"offset": "\0"}]
)
def test_page_parameters_outside_their_range_are_refused(
    auth_client: TestClient, params: dict[str, str]
) -> None:
    assert_json_error(auth_client.get("/users", params=params), 422)


def test_a_rejected_password_is_never_echoed(auth_client: TestClient) -> None:
    response = auth_client.post("/users", json=NEW_USER | {"password": "tiny1"})
    body = assert_json_error(response, 422)
    assert body["detail"][0]["loc"] == ["body", "password"]
    assert "tiny1" not in response.text


def _chunks(total: int, size: int = 65_536) -> Iterator[bytes]:
    yield b'{"name": "'
    for _ in range(total // size):
        yield b"x" * size
    yield b'"}'


def test_a_chunked_body_is_accepted(auth_client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield json.dumps(NEW_USER).encode()

    response = auth_client.post("/users", content=chunks(), headers=JSON)
    assert response.status_code == 201, response.text


def test_a_chunked_body_over_the_limit_is_413(auth_client: TestClient) -> None:
    response = auth_client.post("/users", content=_chunks(2_000_000), headers=JSON)
    assert assert_json_error(response, 413) == {"detail": "Request body too large"}


@pytest.mark.parametrize(("method", "status"), [("GET", 404), ("PUT", 405)])
def test_routing_errors_are_json(client: TestClient, method: str, status: int) -> None:
    path = "/nowhere" if status == 404 else "/health"
    assert_json_error(client.request(method, path), status)


# Property-based: whatever arrives, the answer is never a 5xx, and it is JSON.

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
user_fields = st.fixed_dictionaries(
    {},
    optional={
        "name": json_values,
        "email": json_values,
        "password": json_values,
        "age": json_values,
        "is_admin": json_values,
    },
)
header_values = st.binary(max_size=64).filter(
    lambda value: b"\r" not in value and b"\n" not in value
)


def assert_no_server_error(response: httpx2.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code != 204:
        assert response.headers["content-type"].startswith("application/json")
        response.json()


@FUZZ
@given(body=st.binary(max_size=256))
def test_raw_bodies(auth_client: TestClient, body: bytes) -> None:
    assert_no_server_error(auth_client.post("/users", content=body, headers=JSON))
    assert_no_server_error(auth_client.patch("/users/1", content=body, headers=JSON))


@FUZZ
@given(fields=user_fields)
def test_json_bodies(auth_client: TestClient, fields: dict[str, Any]) -> None:
    raw = json.dumps(fields).encode()  # NaN and Infinity included, as JavaScript writes them
    assert_no_server_error(auth_client.post("/users", content=raw, headers=JSON))
    assert_no_server_error(auth_client.patch("/users/1", content=raw, headers=JSON))


@FUZZ
@given(query=st.dictionaries(st.sampled_from(["limit", "offset", "x"]), st.text(), max_size=3))
def test_query_strings(auth_client: TestClient, query: dict[str, str]) -> None:
    assert_no_server_error(auth_client.get("/users", params=query))


@FUZZ
@given(user_id=st.text(st.characters(exclude_categories=["Cs"]), min_size=1))
def test_paths(auth_client: TestClient, user_id: str) -> None:
    path = f"/users/{quote(user_id, safe='')}"  # any text, NUL included, percent-encoded
    assert_no_server_error(auth_client.get(path))
    assert_no_server_error(auth_client.patch(path, json={}))


@FUZZ
@given(
    authorization=header_values,
    scheme=st.sampled_from([b"Basic ", b"Bearer ", b""]),
    request_id=header_values,
)
def test_headers(
    client: TestClient, authorization: bytes, scheme: bytes, request_id: bytes
) -> None:
    headers = {b"Authorization": scheme + authorization, b"X-Request-ID": request_id}
    assert_no_server_error(client.get("/users", headers=headers))
    assert_no_server_error(client.post("/token", headers=headers, content=authorization))
