"""Hostile input over real HTTP (findings 5, 6 and 8 of issue 13): every answer is a JSON 4xx,
never a 500, never an HTML page, never an echo of a password; the production configuration
that `make serve` runs shows in its headers."""

import base64
import hashlib
import hmac
import json
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from .conftest import SERVED_PROJECTS, GeneratedProject, LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("project", SERVED_PROJECTS, indirect=True)]

BEYOND_INT64 = "99999999999999999999999"


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    with live_server.client() as client:
        yield client


def _user(**fields: object) -> dict[str, object]:
    email = f"hostile-{uuid.uuid4().hex[:12]}@example.com"
    return {"name": "Eve", "email": email, "password": "a long password"} | fields


def assert_json_client_error(response: httpx.Response, *mentions: str) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/json"), response.text[:500]
    response.json()
    for mention in mentions:
        assert mention in response.text, response.text[:500]


def _post_raw(api: httpx.Client, body: bytes) -> httpx.Response:
    return api.post("/users", content=body, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    ("body", "mention"),
    [
        (json.dumps(_user(name="Eve\x00")).encode(), "name"),
        (json.dumps(_user()).replace('"Eve"', '"\\ud800"').encode(), ""),
        (json.dumps(_user()).replace('"Eve"', "NaN").encode(), ""),
        (json.dumps(_user(age=1)).replace(": 1}", ": Infinity}").encode(), ""),
        (json.dumps(_user(age=1)).replace(": 1}", ": " + "9" * 5000 + "}").encode(), ""),
        (b"[" * 10_000 + b"]" * 10_000, ""),
        (json.dumps(_user()).encode("utf-8").replace(b"Eve", b"\xff\xfe"), ""),
    ],
    ids=["nul", "lone-surrogate", "nan", "infinity", "5000-digits", "10000-deep", "not-utf-8"],
)
def test_bad_bytes_in_a_body_are_a_json_4xx(api: httpx.Client, body: bytes, mention: str) -> None:
    response = _post_raw(api, body)
    assert_json_client_error(response, mention)


def test_nul_in_a_query_string_is_a_json_4xx(api: httpx.Client) -> None:
    assert_json_client_error(api.get("/users", params={"limit": "1\x00"}))


def test_an_id_beyond_int64_is_not_a_500(api: httpx.Client) -> None:
    assert_json_client_error(api.get(f"/users/{BEYOND_INT64}"))


def test_bad_bytes_in_credentials_are_401(live_server: LiveServer) -> None:
    address = urlsplit(live_server.base_url)
    for credential in (b"Basic " + base64.b64encode(b"\xff\xfe:\x00\xff"), b"Bearer \xff\xfe"):
        with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
            sock.sendall(
                b"GET /secure HTTP/1.1\r\nHost: "
                + address.netloc.encode()
                + b"\r\nAuthorization: "
                + credential
                + b"\r\nConnection: close\r\n\r\n"
            )
            answer = sock.makefile("rb").read().decode("utf-8", "replace")
        status = int(answer.split()[1])
        assert status in (400, 401), answer[:500]


def test_nul_in_a_login_name_is_401(live_server: LiveServer) -> None:
    with live_server.client(authenticated=False) as anonymous:
        if live_server.scheme == "bearer":
            login = {"username": "eve\x00@example.com", "password": "a long password"}
            response = anonymous.post("/token", data=login)
        else:
            response = anonymous.get("/secure", auth=("eve\x00@example.com", "a long password"))
    assert response.status_code == 401, response.text


def test_a_signed_token_naming_an_impossible_account_is_401(
    live_server: LiveServer, project: GeneratedProject, api: httpx.Client
) -> None:
    """A validly signed JWT whose subject is beyond int64 (Basic: the same id in a URL)."""
    if live_server.scheme != "bearer":
        assert_json_client_error(api.patch(f"/users/{BEYOND_INT64}", json={"name": "x"}))
        return
    token = live_server.token(live_server.email, live_server.password)
    header, payload, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = _sign(header, claims | {"sub": BEYOND_INT64}, _secret_key(project))
    response = httpx.get(
        f"{live_server.base_url}/secure", headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401, response.text


def _secret_key(project: GeneratedProject) -> bytes:
    for line in (project.path / ".env").read_text().splitlines():
        if line.startswith("SECRET_KEY="):
            return line.removeprefix("SECRET_KEY=").encode()
    raise AssertionError("the generated .env has no SECRET_KEY")


def _sign(header: str, claims: dict[str, object], key: bytes) -> str:
    def encode(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    algorithm = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["alg"]
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
    signing_input = f"{header}.{encode(json.dumps(claims).encode())}"
    signature = hmac.new(key, signing_input.encode(), digest[algorithm]).digest()
    return f"{signing_input}.{encode(signature)}"


def test_a_refused_password_is_never_echoed(api: httpx.Client) -> None:
    response = api.post("/users", json=_user(password="Sh0rt!"))
    assert_json_client_error(response, "password")
    assert "Sh0rt!" not in response.text


def test_chunked_bodies_are_read_and_limited(api: httpx.Client) -> None:
    """Finding 6: DRF ignored chunked bodies; oversized ones were 400, not 413."""
    body = json.dumps(_user()).encode()
    created = api.post(
        "/users", content=iter([body[:10], body[10:]]), headers={"Content-Type": "application/json"}
    )
    assert created.status_code == 201, created.text
    # 1.3 MB, over MAX_BODY_BYTES (1 MiB) but small enough to sit in loopback's socket buffers
    # when the server answers before reading it all.
    huge = iter([b'{"name": "' + b"x" * 65_536] * 20)
    response = api.post("/users", content=huge, headers={"Content-Type": "application/json"})
    assert response.status_code == 413, response.text[:500]


@pytest.mark.parametrize(("method", "path"), [("GET", "/no-such-page"), ("PUT", "/health")])
def test_routing_errors_are_json(api: httpx.Client, method: str, path: str) -> None:
    """Finding 6: an unknown URL showed Django's debug page with every route."""
    response = api.request(method, path)
    assert response.status_code in (404, 405)
    assert response.headers["content-type"].startswith("application/json"), response.text[:300]


def test_production_headers(api: httpx.Client) -> None:
    """`make serve` is production: HSTS, and a CSP that allows nothing on API answers."""
    response = api.get("/health")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
