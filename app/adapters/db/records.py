"""Sync records: the current state of each Shopify object in QBO, and its lease."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update

from app.adapters.db.base import Repository, table_of
from app.adapters.db.tables import Connection, RecordBlocker, Shop
from app.adapters.db.tables import SyncRecord as SyncRecordRow
from app.domain.entities import HEALTHY, QUICKBOOKS, RecordFilter, SyncRecord
from app.domain.models import Entity, SyncStatus
from app.domain.records import order_labels

RECORDS = table_of(SyncRecordRow)
BLOCKERS = table_of(RecordBlocker)
SHOPS = table_of(Shop)
CONNECTIONS = table_of(Connection)
WAITING = tuple(s for s in SyncStatus if s not in (SyncStatus.synced, SyncStatus.resolved))


class SqlRecords(Repository):
    async def get(self, shop_id: int, entity: str, shopify_id: str) -> SyncRecord | None:
        query = select(RECORDS).where(
            RECORDS.c.shop_id == shop_id,
            RECORDS.c.entity == entity,
            RECORDS.c.shopify_id == shopify_id,
        )
        row = (await self._session.execute(query)).first()
        return self._entity(SyncRecord, row) if row is not None else None

    async def get_or_create(
        self, shop_id: int, entity: str, shopify_id: str, *, label: str, status: str
    ) -> SyncRecord:
        statement = (
            self._insert(RECORDS)
            .values(
                shop_id=shop_id,
                entity=entity,
                shopify_id=shopify_id,
                label=label,
                status=status,
                attempts=0,
            )
            .on_conflict_do_nothing(index_elements=["shop_id", "entity", "shopify_id"])
        )
        await self._session.execute(statement)
        record = await self.get(shop_id, entity, shopify_id)
        assert record is not None
        return record

    async def of_ids(
        self, shop_id: int, entity: str, shopify_ids: Sequence[str]
    ) -> list[SyncRecord]:
        query = select(RECORDS).where(
            RECORDS.c.shop_id == shop_id,
            RECORDS.c.entity == entity,
            RECORDS.c.shopify_id.in_(list(shopify_ids)),
        )
        return [self._entity(SyncRecord, row) for row in await self._session.execute(query)]

    async def with_error(self, shop_id: int, error_code: str) -> list[SyncRecord]:
        query = select(RECORDS).where(
            RECORDS.c.shop_id == shop_id,
            RECORDS.c.status == "error",
            RECORDS.c.error_code == error_code,
        )
        return [self._entity(SyncRecord, row) for row in await self._session.execute(query)]

    async def status_counts(self, shop_id: int) -> dict[str, int]:
        query = (
            select(RECORDS.c.status, func.count())
            .where(RECORDS.c.shop_id == shop_id)
            .group_by(RECORDS.c.status)
        )
        return {status: int(count) for status, count in await self._session.execute(query)}

    async def acquire_lease(
        self, record_id: int, owner: str, now: datetime, until: datetime
    ) -> bool:
        statement = (
            update(RECORDS)
            .where(
                RECORDS.c.id == record_id,
                or_(
                    RECORDS.c.lease_until.is_(None),
                    RECORDS.c.lease_until < now,
                    RECORDS.c.lease_owner == owner,
                ),
            )
            .values(lease_owner=owner, lease_until=until)
        )
        result = await self._session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def renew_lease(self, record_id: int, owner: str, until: datetime) -> bool:
        statement = (
            update(RECORDS)
            .where(RECORDS.c.id == record_id, RECORDS.c.lease_owner == owner)
            .values(lease_until=until)
        )
        result = await self._session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def due_orders(self, now: datetime, after_id: int, limit: int) -> list[SyncRecord]:
        # Paused: QuickBooks is not healthy (unhealthy, disconnected, company_mismatch).
        running = select(CONNECTIONS.c.shop_id).where(
            CONNECTIONS.c.provider == QUICKBOOKS,
            CONNECTIONS.c.status == HEALTHY,
            CONNECTIONS.c.shop_id.in_(select(SHOPS.c.id).where(SHOPS.c.uninstalled_at.is_(None))),
        )
        query = (
            select(RECORDS)
            .where(
                RECORDS.c.id > after_id,
                RECORDS.c.entity == Entity.order,
                RECORDS.c.shop_id.in_(running),
                # Statuses named, not excluded: the index on (status, next_attempt_at) then
                # skips the synced records, nearly all of them.
                RECORDS.c.status.in_(WAITING),
                or_(RECORDS.c.status == SyncStatus.pending, RECORDS.c.next_attempt_at <= now),
                or_(RECORDS.c.lease_until.is_(None), RECORDS.c.lease_until < now),
            )
            .order_by(RECORDS.c.id)
            .limit(limit)
        )
        return [
            self._entity(SyncRecord, row, track=False) for row in await self._session.execute(query)
        ]

    async def remember_request(self, record_id: int, request_id: str, payload_hash: str) -> None:
        statement = (
            update(RECORDS)
            .where(RECORDS.c.id == record_id)
            .values(pending_request_id=request_id, pending_payload_hash=payload_hash)
        )
        await self._session.execute(statement)

    async def save(self, record: SyncRecord) -> None:
        # updated_at is the table's to keep: its onupdate moves it on every write.
        await self._save(RECORDS, record, readonly=("updated_at",))

    async def set_blockers(self, record: SyncRecord, keys: Collection[str]) -> None:
        await self._session.execute(delete(BLOCKERS).where(BLOCKERS.c.record_id == record.id))
        rows = [{"record_id": record.id, "shop_id": record.shop_id, "key": k} for k in set(keys)]
        if rows:
            await self._session.execute(BLOCKERS.insert(), rows)

    async def blocked_by(self, shop_id: int, keys: Collection[str]) -> list[SyncRecord]:
        waiting = select(BLOCKERS.c.record_id).where(
            BLOCKERS.c.shop_id == shop_id, BLOCKERS.c.key.in_(list(keys))
        )
        query = (
            select(RECORDS)
            .where(RECORDS.c.id.in_(waiting), RECORDS.c.status.in_(("error", "on_hold")))
            .order_by(RECORDS.c.id)
        )
        return [self._entity(SyncRecord, row) for row in await self._session.execute(query)]

    async def search(
        self, shop_id: int, where: RecordFilter, before_id: int | None, limit: int
    ) -> list[SyncRecord]:
        query = _filtered(select(RECORDS).where(RECORDS.c.shop_id == shop_id), where)
        if before_id is not None:
            query = query.where(RECORDS.c.id < before_id)
        rows = await self._session.execute(query.order_by(RECORDS.c.id.desc()).limit(limit))
        return [self._entity(SyncRecord, row, track=False) for row in rows]


def _filtered(query: Select[Any], where: RecordFilter) -> Select[Any]:
    """As app.domain.records.admits matches."""
    exact = {"entity": where.entity, "status": where.status, "error_code": where.error_code}
    for name, value in exact.items():
        if value is not None:
            query = query.where(RECORDS.c[name] == value)
    if where.since is not None:
        query = query.where(RECORDS.c.updated_at >= where.since)
    if where.until is not None:
        query = query.where(RECORDS.c.updated_at < where.until)
    if where.order is not None:
        query = query.where(RECORDS.c.label.in_(order_labels(where.order)))
    if where.text is not None:
        needle = where.text.lower()
        columns = ("label", "shopify_id", "qbo_doc_number", "message")
        found = [func.lower(RECORDS.c[c]).contains(needle, autoescape=True) for c in columns]
        query = query.where(or_(*found))
    return query
