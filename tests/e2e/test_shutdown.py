"""Graceful shutdown: a request in flight when the server gets SIGTERM still gets its answer,
and what it wrote stays written; then the server exits by itself.

A second `make serve` of the served project is stopped, while the first keeps answering and
confirms the write. The request's body is sent in two halves around the signal, so the request
is certainly in the application's hands (its headers read, its body not yet) when SIGTERM
arrives, on every server: Uvicorn's workers and gunicorn's.
"""

import json
import os
import signal
import socket
import time
import uuid
from urllib.parse import urlsplit

import httpx
import pytest

from .conftest import SERVED_PROJECTS, GeneratedProject, LiveServer, start_server

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("project", SERVED_PROJECTS, indirect=True)]


def _send_headers_and_half_the_body(
    base_url: str, headers: dict[str, str], body: bytes
) -> socket.socket:
    address = urlsplit(base_url)
    connection = socket.create_connection((address.hostname, address.port), timeout=60)
    head = [
        "POST /users HTTP/1.1",
        f"Host: {address.netloc}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body[: len(body) // 2])
    return connection


def _read_response(connection: socket.socket) -> tuple[int, dict[str, object]]:
    with connection, connection.makefile("rb") as response:
        status_line = response.readline().decode()
        raw = response.read().decode()
    assert status_line.startswith("HTTP/1.1 "), f"no HTTP answer: {status_line!r}"
    _, _, payload = raw.partition("\r\n\r\n")
    return int(status_line.split()[1]), json.loads(payload)


def _wait_for_group_to_end(group: int) -> None:
    """Every process of the group (uv, the server, its workers) has exited."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    pytest.fail("processes of `make serve` were still running 30 s after SIGTERM")


def test_sigterm_lets_the_request_in_flight_finish_and_keeps_its_write(
    project: GeneratedProject, live_server: LiveServer
) -> None:
    # An account of its own: schemathesis may have changed the admin's password by now.
    account = f"shutdown-{uuid.uuid4().hex[:12]}@example.com", "a long shutdown password"
    project.make("createuser", f"EMAIL={account[0]}", f"PASSWORD={account[1]}")
    credentials = live_server.credentials(*account)
    server, base_url = start_server(project, project.path / "serve-shutdown.log")
    email = f"in-flight-{uuid.uuid4().hex[:12]}@example.com"
    body = json.dumps({"name": "In flight", "email": email, "password": "p" * 12}).encode()
    try:
        connection = _send_headers_and_half_the_body(base_url, credentials, body)
        time.sleep(1)  # the worker has accepted the request and waits for the rest of its body
        os.killpg(server.pid, signal.SIGTERM)  # as Ctrl-C or systemd stop the process group
        time.sleep(1)
        connection.sendall(body[len(body) // 2 :])
        status, created = _read_response(connection)
        assert status == 201, created
        server.wait(timeout=60)  # make returns once the server has stopped
        _wait_for_group_to_end(server.pid)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/health/live", timeout=5)
    # The other server reads what the stopped one wrote.
    with httpx.Client(base_url=live_server.base_url, headers=credentials, timeout=30) as api:
        stored = api.get(f"/users/{created['id']}")
        assert stored.status_code == 200, stored.text
        assert stored.json()["email"] == email
        assert api.delete(f"/users/{created['id']}").status_code == 204
