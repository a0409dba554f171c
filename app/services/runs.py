"""Manual syncs and ops re-syncs: queue the orders asked for and report progress by run."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.domain.entities import SyncRun
from app.domain.models import Entity, SyncStatus
from app.domain.ports import UnitOfWork


@dataclass(frozen=True)
class RunReport:
    run: SyncRun
    outcomes: dict[str, int]  # audit status → count, for the attempts this run made


async def sync_orders(
    uow: UnitOfWork,
    shop_id: int,
    order_ids: Sequence[str],
    actor: str,
    now: datetime,
    kind: str = "manual",
) -> tuple[str, list[str]]:
    """Queues each known order now, whatever its triggers say. Returns (run id, unknown ids)."""
    run_id = str(uuid.uuid4())
    async with uow:
        records = await uow.records.of_ids(shop_id, Entity.order, order_ids)
        known = {r.shopify_id for r in records}
        for record in records:
            if record.status != SyncStatus.synced:
                record.status = SyncStatus.pending
                await uow.records.save(record)
            uow.enqueue_after_commit(
                "sync_order",
                shop_id,
                record.shopify_id,
                actor,
                run_id,
                True,
                job_id=f"sync_order:{shop_id}:{record.shopify_id}:run:{run_id}",
            )
        run = SyncRun(
            run_id,
            shop_id,
            kind,
            status="done",
            params={"order_ids": list(order_ids)},
            found=len(records),
            queued=len(records),
            created_at=now,
            finished_at=now,
        )
        await uow.runs.add(run)
        await uow.commit()
    return run_id, [i for i in order_ids if i not in known]


async def report(uow: UnitOfWork, shop_id: int, run_id: str) -> RunReport | None:
    async with uow:
        run = await uow.runs.get(shop_id, run_id)
        if run is None:
            return None
        outcomes = await uow.audit.count_by_status(shop_id, run_id)
    return RunReport(run, outcomes)
