"""The re-queue pass: the database, not the queue, says which order syncs are still to do.

A webhook, a heal or a run stores a pending record and then rings the queue's doorbell. If
the ring is lost (Redis restarted empty, a job gave up after its tries, a worker was killed
mid-job), the record still says pending, due or leased-but-expired, and this pass rings again.
"""

from __future__ import annotations

from datetime import datetime

from app.domain.entities import SyncRecord
from app.domain.models import Actor, SyncStatus
from app.domain.ports import JobQueue, UnitOfWorkFactory

PAGE = 500
DONE = (SyncStatus.synced, SyncStatus.resolved)


def is_due(record: SyncRecord, now: datetime) -> bool:
    """Whether the record waits for a job at `now`, as `due_orders` selects it (its lease and
    its shop's state aside)."""
    if record.status in DONE:
        return False
    if record.status == SyncStatus.pending:
        return True
    return record.next_attempt_at is not None and record.next_attempt_at <= now


def due_job_id(record: SyncRecord) -> str:
    """One job id per state of the record: a later pass finds the same id while the job waits
    in the queue (no second job), and a new one once the record moved on (it was attempted,
    or a worker took its lease and died)."""
    moment = record.lease_until or record.next_attempt_at
    stamp = f"{moment.timestamp():.0f}" if moment is not None else "new"
    return f"sync_order:{record.shop_id}:{record.shopify_id}:due:{record.attempts}:{stamp}"


async def requeue_due(uow: UnitOfWorkFactory, queue: JobQueue, now: datetime) -> int:
    """Queues a `sync_due_order` job for every order record that is pending or due, not
    leased, of a shop neither paused nor uninstalled; returns how many it queued (jobs the
    queue already holds under the same id count, and are not doubled)."""
    queued, after = 0, 0
    while True:
        async with uow() as unit:
            records = await unit.records.due_orders(now, after, PAGE)
        for record in records:
            actor = Actor.auto_retry if record.last_attempt_at is not None else Actor.system
            job_id = due_job_id(record)
            await queue.enqueue(
                "sync_due_order", record.shop_id, record.shopify_id, actor, job_id=job_id
            )
        queued += len(records)
        if len(records) < PAGE:
            return queued
        after = records[-1].id
