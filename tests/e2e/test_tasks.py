"""Background work (tasks=true), end to end: each template's project served with `make serve`,
a real Celery worker (`make worker`) and the machine's Redis, in a db of its own. An account
created over HTTP gets its welcome message, written by the worker, within a deadline."""

import time
from pathlib import Path

import httpx
import pytest

from .background import fresh_redis_db, own_specs, run_make, started, stop
from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD, GeneratedProject, start_server

pytestmark = pytest.mark.e2e

SPECS = own_specs("tasks", tasks="true", auth="basic")
# One Redis db per framework, apart from test_replicas.py's.
REDIS_DBS = {"fastapi": 11, "flask": 12, "drf": 13, "hybrid": 15}
DEADLINE = 60


@pytest.mark.parametrize("project", [pytest.param(s, id=s.id) for s in SPECS], indirect=True)
def test_a_new_account_gets_its_welcome_message_from_the_worker(
    project: GeneratedProject, tmp_path: Path
) -> None:
    env = {"REDIS_URL": fresh_redis_db(REDIS_DBS[project.spec.framework])}
    run_make(project, "migrate", env=env)
    run_make(project, "createuser", f"EMAIL={ADMIN_EMAIL}", f"PASSWORD={ADMIN_PASSWORD}", env=env)
    worker_log = tmp_path / "worker.log"
    with started(project, "worker", worker_log, env | {"WEB_CONCURRENCY": "1"}) as worker:
        server, base_url = start_server(project, tmp_path / "serve.log", env)
        try:
            response = httpx.post(
                f"{base_url}/users",
                json={"name": "Grace", "email": "grace@example.com", "password": "long enough pw"},
                auth=(ADMIN_EMAIL, ADMIN_PASSWORD),
                timeout=30,
            )
            assert response.status_code == 201, response.text
            expected = f"Welcome message for user {response.json()['id']}: Welcome, Grace!"
            deadline = time.monotonic() + DEADLINE
            while expected not in worker_log.read_text(errors="replace"):
                assert worker.poll() is None, f"the worker exited:\n{worker_log.read_text()}"
                assert time.monotonic() < deadline, (
                    f"no welcome message within {DEADLINE} s:\n{worker_log.read_text()}"
                )
                time.sleep(0.5)
        finally:
            stop(server)
