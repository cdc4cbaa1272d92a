"""Health checks: readiness touches the database, liveness does not."""

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import text
from sqlalchemy.engine import Engine

from ...extensions import Blueprint, db
from ...schemas import ErrorSchema, HealthSchema
from ..errors import database_unavailable

blp = Blueprint("health", __name__, description="Whether the service and its database are up.")

# /health answers 503 within 2 s when the database is away, refusing or silent.
PROBE_TIMEOUT = 1.5


class DatabaseProbe:
    """`SELECT 1` on a thread of its own, waited for at most PROBE_TIMEOUT: /health answers in
    time even while the database is silent (connecting alone may take DATABASE_TIMEOUT).

    One probe at a time per process, and every /health request that arrives while it runs
    shares its answer: a burst of probes (or a load test) takes one pooled connection and one
    thread hop, instead of queueing a probe each behind the running one."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health")
        self._lock = threading.Lock()
        self._running: Future[None] | None = None

    def answers(self, engine: Engine) -> bool:
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._executor.submit(_select_one, engine)
            running = self._running
        try:
            running.result(timeout=PROBE_TIMEOUT)
        except Exception:  # refused, failed or still waiting: not ready
            return False
        return True


def _select_one(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


database_probe = DatabaseProbe()


# Each docstring is the operation's summary, then its description.


@blp.route("/health")
@blp.doc(operationId="getHealth")
@blp.response(200, HealthSchema, description="The service and its database answer")
@blp.alt_response(503, schema=ErrorSchema, description="The database does not answer")
def health() -> dict[str, str]:
    """Check the service and its database

    Public. 200 when the database answers, 503 (within 2 s) when it does not.
    """
    if not database_probe.answers(db.engine):
        database_unavailable()
    return {"status": "ok"}


@blp.route("/health/live")
@blp.doc(operationId="getLiveness")
@blp.response(200, HealthSchema, description="The process answers")
def liveness() -> dict[str, str]:
    """Check that the process is alive

    Public. 200 while the process answers, whatever the database does.
    """
    return {"status": "ok"}
