"""A database outage: the served PostgreSQL projects answer 503 on /health while their database
is cut off, keep serving, and recover by themselves when it returns. (SQLite lives inside the
process and has no outage to survive; each template's own tests cover its 503 path.)"""

import time

import httpx
import pytest

from .conftest import DATABASE_PROXIES, SERVED_POSTGRESQL_PROJECTS, GeneratedProject, LiveServer

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("project", SERVED_POSTGRESQL_PROJECTS, indirect=True),
]


def _wait_for_status(url: str, status: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (answer := httpx.get(url, timeout=10).status_code) != status:
        assert time.monotonic() < deadline, f"{url} still answers {answer}, not {status}"
        time.sleep(0.5)


def test_database_outage_is_503_and_the_service_recovers(
    project: GeneratedProject, live_server: LiveServer
) -> None:
    proxy = DATABASE_PROXIES[project.spec.id]
    health = f"{live_server.base_url}/health"
    _wait_for_status(health, 200, 10)
    proxy.stop()
    try:
        _wait_for_status(health, 503, 30)
        live = httpx.get(f"{live_server.base_url}/health/live", timeout=10)
        assert live.status_code == 200  # the process keeps serving
    finally:
        proxy.start()
    _wait_for_status(health, 200, 30)
    with live_server.client() as api:
        assert api.get("/users").status_code == 200
