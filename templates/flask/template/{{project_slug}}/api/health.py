"""Health checks: readiness touches the database, liveness does not."""

import concurrent.futures

from sqlalchemy import text
from sqlalchemy.engine import Engine

from ..extensions import Blueprint, db
from ..schemas import HealthSchema

blp = Blueprint("health", __name__, description="Health checks (no authentication).")

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


@blp.route("/health")
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database does not answer")
def health() -> tuple[dict[str, str], int]:
    """Readiness: the service and its database answer (503 within 2 s if the database does
    not)."""
    if not database_answers():
        return {"status": "unavailable"}, 503
    return {"status": "ok"}, 200


@blp.route("/health/live")
@blp.response(200, HealthSchema)
def liveness() -> dict[str, str]:
    """Liveness: the process answers (the database is not checked)."""
    return {"status": "ok"}
