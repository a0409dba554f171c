"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.api.deps import ContainerDep
from app.api.errors import AppError, responses
from app.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=PlainTextResponse, include_in_schema=False)
async def metrics() -> PlainTextResponse:
    """Prometheus text exposition."""
    return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses=responses(503))
async def readyz(container: ContainerDep) -> Health:
    """The database answers."""
    try:
        await container.ping()
    except Exception as exc:
        raise AppError(503, "not_ready", "Not ready", "the database does not answer") from exc
    return Health(status="ok", checks={"database": "ok"})
