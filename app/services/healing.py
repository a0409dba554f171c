"""Self-healing: a fix made in LedgerPort re-queues exactly the records it can fix.

Each change announces the keys it touches (app/domain/healing.py); the records in error that
wait on one of them go back to pending and are queued once the change commits, before any
sweep runs. The change itself is written to the audit log with who made it.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.entities import ApiKey, AuditEntry, SyncRecord
from app.domain.errors import ErrorCode
from app.domain.models import Actor, Entity, SyncStatus
from app.domain.ports import UnitOfWork

CHANGE = "changed"  # the audit status of an entry that records a change, not an attempt


@dataclass(frozen=True)
class Changed:
    """Who changed what: written to the audit log beside the records it re-queued."""

    entity: str  # mapping | config | connection
    subject: str  # e.g. "product sku:TEE-1", "products"
    message: str
    detail: dict[str, Any]


def actor_of(key: ApiKey | None) -> str:
    """An operator key acts as ops; a shop's own key as a person using the app."""
    if key is None:
        return Actor.system
    return Actor.ops if key.shop_id is None else Actor.manual


def who(key: ApiKey | None) -> dict[str, Any]:
    """The key that made a change, as the audit log shows it (never the key itself)."""
    if key is None:
        return {"by": "system"}
    return {"by": {"key_prefix": key.prefix, "label": key.label, "operator": key.shop_id is None}}


async def requeue_blocked(uow: UnitOfWork, shop_id: int, keys: Collection[str], actor: str) -> int:
    """Queues again, after the commit, the shop's records in error that wait on one of `keys`;
    returns how many."""
    if not keys:
        return 0
    return await requeue(uow, shop_id, await uow.records.blocked_by(shop_id, keys), actor)


async def requeue(uow: UnitOfWork, shop_id: int, records: Sequence[SyncRecord], actor: str) -> int:
    """Sets the records pending and queues their sync after the commit, each under a job id of
    its own for this change (an earlier job of the order must not hold the new one back)."""
    change = uuid.uuid4().hex[:12]
    for record in records:
        record.status = SyncStatus.pending
        await uow.records.save(record)
        uow.enqueue_after_commit(
            "sync_order",
            shop_id,
            record.shopify_id,
            actor,
            None,
            job_id=f"sync_order:{shop_id}:{record.shopify_id}:heal:{change}",
        )
    return len(records)


async def record_change(
    uow: UnitOfWork, shop_id: int, change: Changed, key: ApiKey | None, requeued: int
) -> None:
    """The change, who made it and what it re-queued, in the audit log."""
    detail = {**change.detail, **who(key), "requeued": requeued}
    entry = AuditEntry(
        shop_id=shop_id,
        entity=change.entity,
        shopify_id=change.subject[:32],
        label=change.subject[:64],
        status=CHANGE,
        actor=actor_of(key),
        message=f"{change.message}; re-queued {requeued} record(s) waiting on it",
        detail=detail,
    )
    await uow.audit.add(entry)


async def requeue_auth_failures(uow: UnitOfWork, shop_id: int) -> int:
    """Everything that failed while QuickBooks refused the shop, whatever it was waiting on
    (orders only: a product's record is tried again by the order that needs it)."""
    records = await uow.records.with_error(shop_id, ErrorCode.qbo_auth)
    orders = [r for r in records if r.entity == Entity.order]
    return await requeue(uow, shop_id, orders, Actor.system)
