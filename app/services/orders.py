"""The one way an order enters LedgerPort, whether a webhook, a backfill or a sweep brought it."""

from __future__ import annotations

from typing import Any

from app.domain.entities import OrderState
from app.domain.mapping import sources_of
from app.domain.models import Entity, SyncStatus
from app.domain.order_payload import parse_order
from app.domain.ports import UnitOfWork


async def store_order(
    uow: UnitOfWork,
    shop_id: int,
    payload: dict[str, Any],
    actor: str,
    run_id: str | None = None,
) -> bool:
    """Keeps the newest state of the order and queues its sync when that state is new.

    Returns whether anything changed. Raises InvalidPayload for an order we cannot read.
    """
    order = parse_order(payload)
    state = OrderState(
        name=order.name,
        shopify_customer_id=order.customer.id if order.customer else None,
        financial_status=order.financial_status,
        fulfillment_status=order.fulfillment_status,
        updated_at=order.updated_at,
    )
    stored, changed = await uow.orders.upsert(shop_id, order.id, state, payload)
    if changed:
        for source in sources_of(shop_id, order):
            await uow.sources.seen(source)
    record = await uow.records.get_or_create(
        shop_id, Entity.order, order.id, label=order.name, status=SyncStatus.pending
    )
    if changed and record.status not in (SyncStatus.synced, SyncStatus.resolved):
        record.status = SyncStatus.pending  # queued again: on hold or failed before
        await uow.records.save(record)
        uow.enqueue_after_commit(
            "sync_order",
            shop_id,
            order.id,
            actor,
            run_id,
            job_id=f"sync_order:{shop_id}:{order.id}:v{stored.version}",
        )
    return changed
