"""Manual syncs and ops re-syncs: queue the orders asked for and report progress by run."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from app.adapters.db.tables import AuditEntry, SyncRecord, SyncRun, utcnow
from app.adapters.db.uow import SqlUnitOfWork
from app.domain.models import Entity, SyncStatus


@dataclass(frozen=True)
class RunReport:
    run: SyncRun
    outcomes: dict[str, int]  # audit status → count, for the attempts this run made


async def sync_orders(
    uow: SqlUnitOfWork, shop_id: int, order_ids: Sequence[str], actor: str, kind: str = "manual"
) -> tuple[str, list[str]]:
    """Queues each known order now, whatever its triggers say. Returns (run id, unknown ids)."""
    run_id = str(uuid.uuid4())
    async with uow:
        query = select(SyncRecord).where(
            SyncRecord.shop_id == shop_id,
            SyncRecord.entity == Entity.order,
            SyncRecord.shopify_id.in_(list(order_ids)),
        )
        records = (await uow.session.scalars(query)).all()
        known = {r.shopify_id for r in records}
        for record in records:
            if record.status != SyncStatus.synced:
                record.status = SyncStatus.pending
            uow.enqueue_after_commit(
                "sync_order", shop_id, record.shopify_id, actor, run_id, True,
                job_id=f"sync_order:{shop_id}:{record.shopify_id}:run:{run_id}",
            )  # fmt: skip
        uow.session.add(SyncRun(
            id=run_id, shop_id=shop_id, kind=kind, params={"order_ids": list(order_ids)},
            found=len(records), queued=len(records), status="done", finished_at=utcnow(),
        ))  # fmt: skip
        await uow.commit()
    return run_id, [i for i in order_ids if i not in known]


async def report(uow: SqlUnitOfWork, shop_id: int, run_id: str) -> RunReport | None:
    async with uow:
        run = await uow.session.get(SyncRun, run_id)
        if run is None or run.shop_id != shop_id:
            return None
        query = (
            select(AuditEntry.status, func.count())
            .where(AuditEntry.shop_id == shop_id, AuditEntry.run_id == run_id)
            .group_by(AuditEntry.status)
        )
        rows = (await uow.session.execute(query)).all()
    return RunReport(run, {status: int(count) for status, count in rows})
