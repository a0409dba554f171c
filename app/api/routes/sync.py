"""Manual sync (the SPA's "Sync selected") and run progress."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, status

from app.api.deps import ContainerDep, ShopDep, UowDep
from app.api.errors import AppError, InvalidParam, not_found, responses
from app.api.schemas import RunOut, RunStarted, SyncRequest
from app.domain.models import Actor
from app.services import runs
from app.services.backfill import start_backfill

router = APIRouter(prefix="/v1/shops/{shop}", tags=["sync"])


@router.post(
    "/sync",
    response_model=RunStarted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(401, 404, 422),
)
async def sync_orders(
    shop: ShopDep, uow: UowDep, container: ContainerDep, body: SyncRequest
) -> RunStarted:
    """With `order_ids`: queues those orders now, on-hold ones included. With a date range:
    fetches the orders Shopify updated in it and feeds them in like webhooks (a backfill).
    Posting stays exactly once: an order already in QuickBooks is not posted again."""
    if body.order_ids is None:
        since, until = _range(body)
        run_id = await start_backfill(uow, shop.id, since, until)
        return RunStarted(run_id=run_id, queued=0)
    run_id, unknown = await runs.sync_orders(
        uow, shop.id, body.order_ids, Actor.manual, container.clock()
    )
    return RunStarted(
        run_id=run_id, queued=len(body.order_ids) - len(unknown), unknown_order_ids=unknown
    )


def _range(body: SyncRequest) -> tuple[datetime, datetime]:
    if body.since is None:
        reason = "give order_ids, or a date range with at least `since`"
        raise AppError(
            422,
            "validation_error",
            "Invalid request",
            reason,
            [InvalidParam(name="order_ids", reason=reason)],
        )
    until = body.until or datetime.now(UTC)
    if body.since.tzinfo is None or until.tzinfo is None or until <= body.since:
        reason = "dates need a time zone, and `until` must come after `since`"
        raise AppError(
            422,
            "validation_error",
            "Invalid request",
            reason,
            [InvalidParam(name="until", reason=reason)],
        )
    return body.since, until


@router.get("/runs/{run_id}", response_model=RunOut, responses=responses(401, 404))
async def get_run(shop: ShopDep, uow: UowDep, run_id: str) -> RunOut:
    """What a run asked for and what its attempts came to so far."""
    found = await runs.report(uow, shop.id, run_id)
    if found is None:
        raise not_found(f"Run {run_id}")
    run = found.run
    return RunOut(
        id=run.id,
        kind=run.kind,
        status=run.status,
        found=run.found,
        queued=run.queued,
        outcomes=found.outcomes,
        error=run.error,
        created_at=run.created_at,
        finished_at=run.finished_at,
    )
