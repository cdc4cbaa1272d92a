"""Health checks: readiness touches the database, liveness does not."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ...schemas import Health
from ..deps import SessionDep
from ..responses import Responses

router = APIRouter(tags=["health"])

UNAVAILABLE: Responses = {503: {"model": Health, "description": "The database does not answer"}}


@router.get("/health", response_model=Health, responses=UNAVAILABLE)
async def health(session: SessionDep) -> Health | JSONResponse:
    try:
        await session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return Health(status="ok")


@router.get("/health/live", response_model=Health)
async def liveness() -> Health:
    return Health(status="ok")
