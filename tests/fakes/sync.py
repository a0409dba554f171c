"""Fake repositories of the sync's working set: the inbox, orders and sync records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from app.domain.entities import (
    HEALTHY,
    PURGEABLE_DELIVERY_STATUSES,
    QUICKBOOKS,
    Delivery,
    OrderState,
    RecordFilter,
    StoredOrder,
    SyncRecord,
)
from app.domain.records import RecordView, admits
from app.services.pending import is_due
from tests.fakes.base import Repository, copied
from tests.fakes.store import json_value, stored


class InboxRepository(Repository):
    async def get(self, delivery_id: int) -> Delivery | None:
        delivery = self._table("inbox").get(delivery_id)
        return self._out(delivery) if delivery is not None else None

    async def claim(self, delivery_id: int) -> Delivery | None:
        """Skips a delivery another unit of work holds, as SELECT … SKIP LOCKED does."""
        if not await self._lock("inbox", delivery_id, wait=False):
            return None
        return await self.get(delivery_id)

    async def save(self, delivery: Delivery) -> None:
        await self._save("inbox", delivery.id, delivery)

    async def delete_handled_before(self, cutoff: datetime) -> int:
        done = [
            d.id
            for d in self._rows("inbox")
            if d.status in PURGEABLE_DELIVERY_STATUSES and _before(d, cutoff)
        ]
        for delivery_id in done:
            await self._lock("inbox", delivery_id)
            self._table("inbox").pop(delivery_id, None)
        return len(done)

    async def unprocessed_before(self, cutoff: datetime, limit: int) -> list[int]:
        waiting = [d for d in self._rows("inbox") if d.status == "received" and _before(d, cutoff)]
        waiting.sort(key=lambda d: (d.received_at, d.id))
        return [d.id for d in waiting[:limit]]

    async def unprocessed_id(self, shop_domain: str, topic: str, event_id: str) -> int | None:
        delivery_id = self._find("inbox", (shop_domain, topic, event_id))
        delivery = self._table("inbox").get(delivery_id)
        return delivery.id if delivery is not None and delivery.status == "received" else None

    async def unprocessed_for_shop(
        self, shop_domain: str, topics: Collection[str], limit: int
    ) -> list[Delivery]:
        waiting = [
            d
            for d in self._rows("inbox")
            if (d.shop_domain, d.status) == (shop_domain, "received") and d.topic in topics
        ]
        waiting.sort(key=lambda d: d.id, reverse=True)
        return [copied(d) for d in waiting[:limit]]

    async def list_for_shop(
        self, shop_domain: str, status: str | None, before_id: int | None, limit: int
    ) -> list[Delivery]:
        found = [
            d
            for d in self._rows("inbox")
            if d.shop_domain == shop_domain
            and status in (None, d.status)
            and (before_id is None or d.id < before_id)
        ]
        found.sort(key=lambda d: d.id, reverse=True)
        return [copied(d) for d in found[:limit]]


def _before(delivery: Delivery, cutoff: datetime) -> bool:
    return delivery.received_at is not None and delivery.received_at < cutoff


class OrderRepository(Repository):
    async def get(self, shop_id: int, shopify_id: str) -> StoredOrder | None:
        order = self._table("orders").get(self._find("orders", (shop_id, shopify_id)))
        return copied(order) if order is not None else None

    async def upsert(
        self, shop_id: int, shopify_id: str, state: OrderState, payload: dict[str, Any]
    ) -> tuple[StoredOrder, bool]:
        """Keeps the newest payload; a stale or repeated one changes nothing (False)."""
        key = await self._find_or_reserve("orders", (shop_id, shopify_id))
        if key is None:
            order = StoredOrder(self._next_id("orders"), shop_id, shopify_id, payload, version=0)
            return await self._write(order, state, payload), True
        await self._lock("orders", key)
        known: StoredOrder = self._table("orders")[key]
        newer = (
            state.updated_at is None
            or known.shopify_updated_at is None
            or state.updated_at > known.shopify_updated_at
        )
        if not newer or known.payload == json_value(payload):
            return copied(known), False
        return await self._write(known, state, payload), True

    async def _write(
        self, order: StoredOrder, state: OrderState, payload: dict[str, Any]
    ) -> StoredOrder:
        await self._lock("orders", order.id)
        order = replace(
            order,
            payload=payload,
            name=state.name,
            shopify_customer_id=state.shopify_customer_id,
            financial_status=state.financial_status,
            fulfillment_status=state.fulfillment_status,
            shopify_updated_at=state.updated_at,
            version=order.version + 1,
        )
        self._table("orders")[order.id] = order = stored(order)
        return copied(order)

    async def of_customer(
        self, shop_id: int, customer_id: str, shopify_ids: Sequence[str]
    ) -> list[StoredOrder]:
        """The customer's orders, and those of `shopify_ids` whoever placed them."""
        wanted = set(shopify_ids)
        return [
            copied(o)
            for o in sorted(self._rows("orders"), key=lambda o: o.id)
            if o.shop_id == shop_id
            and (o.shopify_customer_id == customer_id or o.shopify_id in wanted)
        ]

    async def save_payload(self, order: StoredOrder) -> None:
        await self._lock("orders", order.id)
        known = self._table("orders").get(order.id)
        if known is not None:
            self._table("orders")[order.id] = replace(known, payload=json_value(order.payload))


class SyncRecordRepository(Repository):
    async def get(self, shop_id: int, entity: str, shopify_id: str) -> SyncRecord | None:
        record = self._table("records").get(self._find("records", (shop_id, entity, shopify_id)))
        return self._out(record) if record is not None else None

    async def get_or_create(
        self, shop_id: int, entity: str, shopify_id: str, *, label: str, status: str
    ) -> SyncRecord:
        key = await self._find_or_reserve("records", (shop_id, entity, shopify_id))
        if key is None:
            key = self._next_id("records")
            await self._lock("records", key)
            record = SyncRecord(key, shop_id, entity, shopify_id, status, label)
            record.updated_at = self._now()
            self._table("records")[key] = stored(record)
        created: SyncRecord = self._table("records")[key]
        return self._out(created)

    async def of_ids(
        self, shop_id: int, entity: str, shopify_ids: Sequence[str]
    ) -> list[SyncRecord]:
        wanted = set(shopify_ids)
        return self._where(
            lambda r: (r.shop_id, r.entity) == (shop_id, entity) and r.shopify_id in wanted
        )

    async def with_error(self, shop_id: int, error_code: str) -> list[SyncRecord]:
        return self._where(
            lambda r: (r.shop_id, r.status, r.error_code) == (shop_id, "error", error_code)
        )

    async def status_counts(self, shop_id: int) -> dict[str, int]:
        return dict(Counter(r.status for r in self._rows("records") if r.shop_id == shop_id))

    async def acquire_lease(
        self, record_id: int, owner: str, now: datetime, until: datetime
    ) -> bool:
        """Takes the record's lease when free, expired or already `owner`'s."""
        await self._lock("records", record_id)
        record: SyncRecord | None = self._table("records").get(record_id)
        if record is None:
            return False
        free = record.lease_until is None or record.lease_until < now
        if not free and record.lease_owner != owner:
            return False
        self._table("records")[record_id] = stored(
            replace(record, lease_owner=owner, lease_until=until, updated_at=self._now())
        )
        return True

    async def renew_lease(self, record_id: int, owner: str, until: datetime) -> bool:
        await self._lock("records", record_id)
        record: SyncRecord | None = self._table("records").get(record_id)
        if record is None or record.lease_owner != owner:
            return False
        self._table("records")[record_id] = stored(replace(record, lease_until=until))
        return True

    async def due_orders(self, now: datetime, after_id: int, limit: int) -> list[SyncRecord]:
        shops = self._table("shops")
        running = {
            c.shop_id
            for c in self._rows("connections")
            if (c.provider, c.status) == (QUICKBOOKS, HEALTHY)
            and c.shop_id in shops
            and shops[c.shop_id].uninstalled_at is None
        }
        due = self._where(
            lambda r: (
                r.id > after_id
                and r.entity == "order"
                and r.shop_id in running
                and (r.lease_until is None or r.lease_until < now)
                and is_due(r, now)
            )
        )
        return due[:limit]

    async def remember_request(self, record_id: int, request_id: str, payload_hash: str) -> None:
        await self._lock("records", record_id)
        record = self._table("records").get(record_id)
        if record is not None:
            changed = replace(
                record,
                pending_request_id=request_id,
                pending_payload_hash=payload_hash,
                updated_at=self._now(),
            )
            self._table("records")[record_id] = changed

    async def save(self, record: SyncRecord) -> None:
        """Writes what changed; `updated_at` is the store's, moved by any change (as the
        SQL table's onupdate does) and never taken from the entity."""
        await self._lock("records", record.id)
        before = self._table("records").get(record.id)
        await self._save("records", record.id, record)
        after = self._table("records").get(record.id)
        if before is not None and after is not None:
            when = self._now() if after != before else before.updated_at
            self._table("records")[record.id] = replace(after, updated_at=when)

    async def search(
        self, shop_id: int, where: RecordFilter, before_id: int | None, limit: int
    ) -> list[SyncRecord]:
        found = [
            r
            for r in sorted(self._rows("records"), key=lambda r: r.id, reverse=True)
            if r.shop_id == shop_id
            and (before_id is None or r.id < before_id)
            and admits(where, RecordView.of_record(r))
        ]
        return [copied(r) for r in found[:limit]]

    def _where(self, keep: Any) -> list[SyncRecord]:
        rows = sorted(self._rows("records"), key=lambda r: r.id)
        return [self._out(r) for r in rows if keep(r)]

    async def set_blockers(self, record: SyncRecord, keys: Collection[str]) -> None:
        for key in [k for k in self._table("blockers") if k[0] == record.id]:
            await self._lock("blockers", key)
            del self._table("blockers")[key]
        for key in set(keys):
            await self._lock("blockers", (record.id, key))
            self._table("blockers")[(record.id, key)] = record.shop_id

    async def blocked_by(self, shop_id: int, keys: Collection[str]) -> list[SyncRecord]:
        wanted = set(keys)
        ids = {
            rid
            for (rid, key), shop in self._table("blockers").items()
            if shop == shop_id and key in wanted
        }
        records = self._table("records")
        return [
            self._out(records[rid])
            for rid in sorted(ids)
            if rid in records and records[rid].status in ("error", "on_hold")
        ]
