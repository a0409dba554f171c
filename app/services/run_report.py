"""How far a run got: each record it queued, counted by its state now.

A record the run queued is pending until an attempt records its outcome; the run is done once
none is pending, and its finished_at is the last of those outcomes (never before the run
began). The time left is the pending count over the rate observed so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.domain.entities import SyncRun
from app.domain.models import Entity, SyncStatus
from app.domain.ports import UnitOfWork


@dataclass
class RunProgress:
    run: SyncRun
    status: str  # running | done | failed
    outcomes: dict[str, int]  # audit status → count, for the attempts this run made
    synced: int = 0
    failed: int = 0
    on_hold: int = 0
    pending: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    seconds_left: float | None = None

    @property
    def total(self) -> int:
        return self.synced + self.failed + self.on_hold + self.pending + len(self.skipped)

    @property
    def done(self) -> int:
        return self.total - self.pending


async def report(uow: UnitOfWork, shop_id: int, run_id: str, now: datetime) -> RunProgress | None:
    async with uow:
        run = await uow.runs.get(shop_id, run_id)
        if run is None:
            return None
        outcomes = await uow.audit.count_by_status(shop_id, run_id)
        progress = RunProgress(run, run.status, outcomes)
        if "selected" not in run.params:  # older runs, sweeps, and a backfill still reading
            return progress
        progress.skipped = list(run.params.get("skipped") or ())
        records = await uow.records.of_ids(shop_id, Entity.order, run.params["selected"])
        last = run.created_at
        for record in records:
            _count(progress, record.shopify_id, record.status)
            if record.status != SyncStatus.pending and record.last_attempt_at is not None:
                last = max(last, record.last_attempt_at) if last else record.last_attempt_at
        if run.status == "running" and progress.pending == 0:
            run.status, run.finished_at = "done", max(filter(None, (last, run.created_at)))
            await uow.runs.save(run)
            await uow.commit()
        progress.status = run.status
        progress.seconds_left = _left(progress, now)
    return progress


def _count(progress: RunProgress, shopify_id: str, status: str) -> None:
    if status == SyncStatus.synced:
        progress.synced += 1
    elif status == SyncStatus.error:
        progress.failed += 1
    elif status == SyncStatus.on_hold:
        progress.on_hold += 1
    elif status == SyncStatus.pending:
        progress.pending += 1
    else:  # closed by a person while the run waited
        progress.skipped.append({"id": shopify_id, "reason": status})


def _left(progress: RunProgress, now: datetime) -> float | None:
    if progress.pending == 0:
        return 0.0
    attempted = progress.synced + progress.failed + progress.on_hold
    began = progress.run.created_at
    if attempted == 0 or began is None or now <= began:
        return None
    rate = attempted / (now - began).total_seconds()
    return round(progress.pending / rate, 1)
