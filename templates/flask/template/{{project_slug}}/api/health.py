"""Health checks: readiness touches the database, liveness does not."""

from flask_smorest import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..schemas import HealthSchema

blp = Blueprint("health", __name__, description="Health checks (no authentication).")


@blp.route("/health")
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database does not answer")
def health() -> tuple[dict[str, str], int]:
    """Readiness: the service and its database answer."""
    try:
        db.session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        return {"status": "unavailable"}, 503
    return {"status": "ok"}, 200


@blp.route("/health/live")
@blp.response(200, HealthSchema)
def liveness() -> dict[str, str]:
    """Liveness: the process answers (the database is not checked)."""
    return {"status": "ok"}
