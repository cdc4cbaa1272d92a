"""Health checks: readiness touches the database, liveness does not."""

import concurrent.futures

from sqlalchemy import text
from sqlalchemy.engine import Engine

from ...extensions import Blueprint, db
from ...schemas import ErrorSchema, HealthSchema
from ..errors import database_unavailable

blp = Blueprint("health", __name__, description="Whether the service and its database are up.")

# /health answers 503 within 2 s when the database is away, refusing or silent.
PROBE_TIMEOUT = 1.5
# One probe at a time per process: while one is stuck on a silent database (until the
# driver's own DATABASE_TIMEOUT), the next /health waits for it no longer than PROBE_TIMEOUT.
_probes = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="health")


def _select_one(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def database_answers() -> bool:
    """True if the database answers `SELECT 1` within PROBE_TIMEOUT."""
    probe = _probes.submit(_select_one, db.engine)
    try:
        probe.result(timeout=PROBE_TIMEOUT)
    except Exception:  # refused, failed or still waiting: not ready
        return False
    return True


# Each docstring is the operation's summary, then its description.


@blp.route("/health")
@blp.doc(operationId="getHealth")
@blp.response(200, HealthSchema, description="The service and its database answer")
@blp.alt_response(503, schema=ErrorSchema, description="The database does not answer")
def health() -> dict[str, str]:
    """Check the service and its database

    Public. 200 when the database answers, 503 (within 2 s) when it does not.
    """
    if not database_answers():
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
