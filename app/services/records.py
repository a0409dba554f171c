"""Records: the current state of each Shopify object in QBO, for the merchant to list, filter
and open. The audit log stays the history; a record's own entries come with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.domain.entities import AuditEntry, AuditFilter, RecordFilter, Shop
from app.domain.models import SyncStatus
from app.domain.ports import UnitOfWork
from app.domain.records import RecordEntity, RecordView, admits
from app.services.webhooks import ORDER_TOPICS

# How many unprocessed order deliveries a listing reads. The worker normally empties the
# inbox within seconds; past this many, the oldest waiting orders show once processed.
PENDING_SCAN = 1000
HISTORY_SHOWN = 100


@dataclass(frozen=True)
class Position:
    """Where a page ended: at a pending delivery (the listing shows those first) or a record."""

    pending: bool
    id: int


@dataclass(frozen=True)
class RecordsPage:
    items: list[RecordView]
    next: Position | None


@dataclass(frozen=True)
class RecordDetail:
    view: RecordView
    history: list[AuditEntry]  # newest first
    more_history: bool


async def list_records(
    uow: UnitOfWork, shop: Shop, where: RecordFilter, after: Position | None, limit: int
) -> RecordsPage:
    """Orders still in the inbox first (newest delivery first), then records, newest first.

    A page that ends among the pending orders continues with them; the records follow from
    the newest, so a cursor stays valid while deliveries are processed meanwhile.
    """
    # The inbox is read before the records throughout: processing a delivery commits the
    # order's record with it, so a later read may find the record, never lose it.
    async with uow:
        pending: list[RecordView] = []
        if after is None or after.pending:
            pending = await _pending(uow, shop, where)
            if after is not None:
                pending = [p for p in pending if (p.delivery_id or 0) < after.id]
        if len(pending) > limit:
            page = pending[:limit]
            return RecordsPage(page, Position(True, page[-1].delivery_id or 0))
        room = limit - len(pending)
        before = None if after is None or after.pending else after.id
        records = await uow.records.search(shop.id, where, before, room + 1)
    shown = [RecordView.of_record(r) for r in records[:room]]
    # Processed between the reads: the order is listed by its new record alone.
    recorded = {(v.entity, v.shopify_id) for v in shown}
    items = [p for p in pending if (p.entity, p.shopify_id) not in recorded] + shown
    if len(records) <= room:
        return RecordsPage(items, None)
    if shown:
        return RecordsPage(items, Position(False, shown[-1].record_id or 0))
    # Pending orders filled the page exactly and records follow: continue after the last one.
    return RecordsPage(items, Position(True, pending[-1].delivery_id or 0))


async def get_record(
    uow: UnitOfWork, shop: Shop, entity: str, shopify_id: str, history_since: datetime | None
) -> RecordDetail | None:
    """The record, or the order still pending in the inbox, with its audit entries since
    `history_since` (the plan's retention); None when there is neither."""
    async with uow:
        record = await uow.records.get(shop.id, entity, shopify_id)
        view = RecordView.of_record(record) if record is not None else None
        if view is None and entity == RecordEntity.order:
            waiting = await _pending(uow, shop, RecordFilter())
            view = next((p for p in waiting if p.shopify_id == shopify_id), None)
            if view is None:
                # Its delivery may have been processed since the first read: now it has a record.
                record = await uow.records.get(shop.id, entity, shopify_id)
                view = RecordView.of_record(record) if record is not None else None
        if view is None:
            return None
        where = AuditFilter(entity=entity, shopify_id=shopify_id, since=history_since)
        entries = await uow.audit.list(shop.id, where, HISTORY_SHOWN + 1)
    return RecordDetail(view, entries[:HISTORY_SHOWN], len(entries) > HISTORY_SHOWN)


async def _pending(uow: UnitOfWork, shop: Shop, where: RecordFilter) -> list[RecordView]:
    """Orders with a delivery stored but not processed and no record yet, each once (as its
    newest delivery says), that `where` admits; newest first."""
    if where.entity not in (None, RecordEntity.order):
        return []
    if where.status not in (None, SyncStatus.pending) or where.error_code is not None:
        return []
    deliveries = await uow.inbox.unprocessed_for_shop(shop.domain, ORDER_TOPICS, PENDING_SCAN)
    newest: dict[str, RecordView] = {}
    for delivery in deliveries:
        view = RecordView.of_delivery(delivery)
        if view is not None and view.shopify_id not in newest:
            newest[view.shopify_id] = view
    recorded = await uow.records.of_ids(shop.id, RecordEntity.order, list(newest))
    # A record wins: the order has been processed once, and its record says where it stands.
    known = {r.shopify_id for r in recorded}
    return [v for v in newest.values() if v.shopify_id not in known and admits(where, v)]
