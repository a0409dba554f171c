"""Manual sync (the SPA's "Sync selected"), the ops scripts' re-sync, and run progress."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status

from app.api.deps import ApiKeyDep, ContainerDep, ShopDep, UowDep
from app.api.errors import AppError, InvalidParam, not_found, responses
from app.api.schemas import RunOut, RunStarted, SkippedOut, SyncRequest
from app.domain.entities import Shop
from app.domain.models import Entity
from app.domain.ports import UnitOfWork
from app.domain.selection import Selection
from app.services import run_report, runs
from app.services.healing import actor_of

router = APIRouter(prefix="/v1/shops/{shop}", tags=["sync"])
ACCEPTED = status.HTTP_202_ACCEPTED


@router.post(
    "/sync",
    response_model=RunStarted,
    status_code=ACCEPTED,
    responses=responses(401, 404, 409, 422),
)
async def sync_orders(
    shop: ShopDep, key: ApiKeyDep, uow: UowDep, container: ContainerDep, body: SyncRequest
) -> RunStarted:
    """Syncs the records selected now, whatever the sync triggers say (202 with the run id;
    GET …/runs/{run_id} follows it). Posting stays exactly once."""
    return await _start(uow, shop, body, actor_of(key), container, "manual")


@router.post(
    "/resync",
    response_model=RunStarted,
    status_code=ACCEPTED,
    responses=responses(401, 404, 409, 422),
)
async def resync(
    shop: ShopDep, key: ApiKeyDep, uow: UowDep, container: ContainerDep, body: SyncRequest
) -> RunStarted:
    """The ops scripts' call, the same selection as …/sync: an operator key may call it for
    any shop (audited as ops), a shop's own key for its shop only."""
    return await _start(uow, shop, body, actor_of(key), container, "resync")


async def _start(
    uow: UnitOfWork, shop: Shop, body: SyncRequest, actor: str, container: ContainerDep, kind: str
) -> RunStarted:
    now = container.clock()
    selection = _selection(body, now)
    started = await runs.start_run(uow, shop.id, selection, actor, now, kind)
    return RunStarted(
        run_id=started.run_id, queued=started.queued, unknown_order_ids=started.unknown
    )


def _selection(body: SyncRequest, now: datetime) -> Selection:
    if body.entity not in (Entity.order, Entity.product):
        reason = "order or product"
        if body.entity == "customer":
            reason = (
                "customer records do not exist: LedgerPort finds or creates the QuickBooks "
                "customer while it posts each order, so sync the orders instead"
            )
        raise _invalid("entity", reason)
    if body.ids is not None and body.order_ids is not None:
        raise _invalid("order_ids", "give ids or order_ids, not both")
    ids = tuple(body.ids or body.order_ids or ())
    by_filter = body.status is not None or body.error_code is not None
    if body.since is None:
        if not ids and not by_filter:
            reason = "give order_ids (or ids), a status or error_code, or a date range (since)"
            raise _invalid("order_ids", reason)
        if body.until is not None:
            raise _invalid("until", "a date range needs `since`")
    elif body.entity != Entity.order:
        raise _invalid("entity", "a date range selects orders: leave entity out, or give order")
    elif ids or by_filter:
        raise _invalid("since", "a date range selects orders alone: no ids, status or code")
    elif (body.until or now) <= body.since:
        raise _invalid("until", "`until` (default: now) must come after `since`")
    return Selection(
        entity=body.entity,
        ids=ids,
        status=body.status,
        error_code=body.error_code,
        since=body.since,
        until=body.until or (now if body.since is not None else None),
        include_cancelled=body.include_cancelled,
    )


def _invalid(name: str, reason: str) -> AppError:
    return AppError(
        422, "validation_error", "Invalid request", reason, [InvalidParam(name=name, reason=reason)]
    )


@router.get("/runs/{run_id}", response_model=RunOut, responses=responses(401, 404))
async def get_run(shop: ShopDep, uow: UowDep, container: ContainerDep, run_id: str) -> RunOut:
    """What a run selected, and where each record stands: counts, the skipped with their
    reasons, and the seconds left at the rate so far."""
    found = await run_report.report(uow, shop.id, run_id, container.clock())
    if found is None:
        raise not_found(f"Run {run_id}")
    run = found.run
    return RunOut(
        id=run.id,
        kind=run.kind,
        status=found.status,
        total=found.total,
        done=found.done,
        synced=found.synced,
        failed=found.failed,
        pending=found.pending,
        on_hold=found.on_hold,
        skipped=[SkippedOut(**s) for s in found.skipped],
        seconds_left=found.seconds_left,
        found=run.found,
        queued=run.queued,
        outcomes=found.outcomes,
        error=run.error,
        created_at=run.created_at or container.clock(),
        finished_at=run.finished_at,
    )
