"""Many replicas share their limits: two instances of one project (each `make serve`, itself
two worker processes) on one PostgreSQL database and one Redis (REDIS_URL), on two ports. The
requests allowed across both equal RATE_LIMIT, not twice it (nor four times: the processes);
so do the failed logins allowed before FAILED_LOGIN_LIMIT answers 429."""

from pathlib import Path

import httpx
import pytest

from .background import fresh_redis_db, own_specs, run_make, stop
from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD, GeneratedProject, start_server

pytestmark = pytest.mark.e2e

SPECS = own_specs("replicas")
REDIS_DBS = {"fastapi": 8, "flask": 9, "drf": 10, "hybrid": 14}
LIMIT = 12
FAILED_LOGIN_LIMIT = 4


@pytest.mark.parametrize("project", [pytest.param(s, id=s.id) for s in SPECS], indirect=True)
def test_two_replicas_share_one_rate_limit(project: GeneratedProject, tmp_path: Path) -> None:
    env = {
        "REDIS_URL": fresh_redis_db(REDIS_DBS[project.spec.framework]),
        "RATE_LIMIT": f"{LIMIT}/hour",
        "FAILED_LOGIN_LIMIT": f"{FAILED_LOGIN_LIMIT}/hour",
    }
    run_make(project, "migrate", env=env)
    run_make(project, "createuser", f"EMAIL={ADMIN_EMAIL}", f"PASSWORD={ADMIN_PASSWORD}", env=env)
    first, first_url = start_server(project, tmp_path / "first.log", env)
    try:
        second, second_url = start_server(project, tmp_path / "second.log", env)
        try:
            urls = [first_url, second_url]
            statuses = [
                httpx.get(
                    f"{urls[i % 2]}/users", auth=(ADMIN_EMAIL, ADMIN_PASSWORD), timeout=30
                ).status_code
                for i in range(3 * LIMIT)
            ]
            assert set(statuses) == {200, 429}, statuses
            assert statuses.count(200) == LIMIT, statuses
            assert statuses[:LIMIT] == [200] * LIMIT, statuses

            # From another client address, with a rate limit of its own (127.0.0.0/8 is all
            # loopback): the failed logins, per account and per address.
            transport = httpx.HTTPTransport(local_address="127.0.0.2")
            with httpx.Client(transport=transport, timeout=30) as other:
                wrong = [
                    other.get(
                        f"{urls[i % 2]}/secure", auth=("nobody@example.com", "a wrong password")
                    ).status_code
                    for i in range(3 * FAILED_LOGIN_LIMIT)
                ]
            assert wrong.count(401) == FAILED_LOGIN_LIMIT, wrong
            assert set(wrong) == {401, 429}, wrong
        finally:
            stop(second)
    finally:
        stop(first)
