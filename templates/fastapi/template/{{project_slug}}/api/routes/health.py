"""Health checks: readiness touches the database, liveness does not."""

import asyncio

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ...core.db import UNAVAILABLE_ERRORS
from ...schemas import Health
from ..responses import Responses, error

router = APIRouter(tags=["health"])

# Well within the 2 s a load balancer's probe waits, whatever DATABASE_TIMEOUT is.
PROBE_TIMEOUT_SECONDS = 1.5
UNAVAILABLE: Responses = {503: error("The database does not answer (Retry-After: 5)")}


class DatabaseProbe:
    """One `SELECT 1` at a time per worker: every /health request that arrives while a probe
    runs shares its answer, so a burst of probes (or a load test) takes one pooled connection,
    not the whole pool, and each still gets a fresh answer within 1.5 s."""

    def __init__(self) -> None:
        self._running: asyncio.Future[bool] | None = None

    async def answers(self, session_factory: async_sessionmaker[AsyncSession]) -> bool:
        if self._running is None or self._running.done():
            self._running = asyncio.ensure_future(self._probe(session_factory))
        return await asyncio.shield(self._running)

    @staticmethod
    async def _probe(session_factory: async_sessionmaker[AsyncSession]) -> bool:
        try:
            with anyio.fail_after(PROBE_TIMEOUT_SECONDS):
                async with session_factory() as session:
                    await session.execute(text("SELECT 1"))
        except UNAVAILABLE_ERRORS:
            return False
        return True


@router.get(
    "/health",
    response_model=Health,
    responses=UNAVAILABLE,
    operation_id="getHealth",
    summary="Check the service and its database",
)
async def health(request: Request) -> Health | JSONResponse:
    """Readiness: 200 when the database answers a query within 1.5 s, else 503."""
    probe: DatabaseProbe = request.app.state.database_probe
    if not await probe.answers(request.app.state.session_factory):
        return JSONResponse(
            {"detail": "Database unavailable"}, status_code=503, headers={"Retry-After": "5"}
        )
    return Health(status="ok")


@router.get(
    "/health/live",
    response_model=Health,
    operation_id="getLiveness",
    summary="Check that the process is alive",
)
async def liveness() -> Health:
    """Liveness: the process answers, whatever the database does."""
    return Health(status="ok")
