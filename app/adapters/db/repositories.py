"""Repositories: the only code that writes SQL. Each takes the unit of work's session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.adapters.db.tables import (
    ApiKey,
    AuditEntry,
    Connection,
    Mapping,
    OrderRow,
    Shop,
    SyncConfigRow,
    SyncRecord,
    WebhookDelivery,
)


class _Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _insert(self, table: Any) -> Any:
        dialect = self.session.get_bind().dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


class ShopRepository(_Repository):
    async def get_by_domain(self, domain: str) -> Shop | None:
        return await self.session.scalar(select(Shop).where(Shop.domain == domain))

    async def get(self, shop_id: int) -> Shop | None:
        return await self.session.get(Shop, shop_id)

    async def add(self, domain: str, name: str, plan: str = "free") -> Shop:
        shop = Shop(domain=domain, name=name, plan=plan)
        self.session.add(shop)
        await self.session.flush()
        return shop


class ApiKeyRepository(_Repository):
    async def add(self, shop_id: int | None, key_hash: str, prefix: str, label: str) -> ApiKey:
        key = ApiKey(shop_id=shop_id, key_hash=key_hash, prefix=prefix, label=label)
        self.session.add(key)
        await self.session.flush()
        return key

    async def find_active(self, key_hash: str) -> ApiKey | None:
        query = select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
        return await self.session.scalar(query)


class InboxRepository(_Repository):
    async def get(self, delivery_id: int) -> WebhookDelivery | None:
        return await self.session.get(WebhookDelivery, delivery_id)

    async def claim(self, delivery_id: int) -> WebhookDelivery | None:
        """The delivery, locked until this transaction ends; None when it is gone or another
        worker holds it (that one processes it). SQLite has one writer and needs no lock."""
        query = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
        return await self.session.scalar(query.with_for_update(skip_locked=True))

    async def delete_handled_before(self, cutoff: datetime) -> int:
        """Deletes deliveries done with (processed, ignored, failed) received before `cutoff`."""
        statement = delete(WebhookDelivery).where(
            WebhookDelivery.status.in_(("processed", "ignored", "failed")),
            WebhookDelivery.received_at < cutoff,
        )
        result = await self.session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def unprocessed_before(self, cutoff: datetime, limit: int) -> list[int]:
        """Deliveries still waiting since before `cutoff`: their job was lost."""
        query = (
            select(WebhookDelivery.id)
            .where(WebhookDelivery.status == "received", WebhookDelivery.received_at < cutoff)
            .order_by(WebhookDelivery.received_at)
            .limit(limit)
        )
        return list(await self.session.scalars(query))

    async def unprocessed_id(self, shop_domain: str, topic: str, event_id: str) -> int | None:
        query = select(WebhookDelivery.id).where(
            WebhookDelivery.shop_domain == shop_domain,
            WebhookDelivery.topic == topic,
            WebhookDelivery.event_id == event_id,
            WebhookDelivery.status == "received",
        )
        return await self.session.scalar(query)


class OrderRepository(_Repository):
    async def get(self, shop_id: int, shopify_id: str) -> OrderRow | None:
        query = select(OrderRow).where(
            OrderRow.shop_id == shop_id, OrderRow.shopify_id == shopify_id
        )
        return await self.session.scalar(query)

    async def upsert(
        self, shop_id: int, shopify_id: str, *, updated_at: datetime | None, **values: Any
    ) -> tuple[OrderRow, bool]:
        """Keeps the newest payload; a stale or repeated one changes nothing (False).

        Two deliveries of one order may be processed at once (orders/create and orders/paid
        arrive together), so the insert tolerates a concurrent twin and the update locks.
        """
        inserted = await self.session.scalar(
            self._insert(OrderRow)
            .values(shop_id=shop_id, shopify_id=shopify_id, shopify_updated_at=updated_at,
                    version=1, **values)
            .on_conflict_do_nothing(index_elements=["shop_id", "shopify_id"])
            .returning(OrderRow.id)
        )  # fmt: skip
        query = select(OrderRow).where(
            OrderRow.shop_id == shop_id, OrderRow.shopify_id == shopify_id
        )
        row = await self.session.scalar(query.with_for_update())
        assert row is not None
        if inserted is not None:
            return row, True
        known = row.shopify_updated_at
        is_newer = updated_at is None or known is None or updated_at > known
        if not is_newer or row.payload == values.get("payload"):
            return row, False
        for name, value in values.items():
            setattr(row, name, value)
        row.shopify_updated_at = updated_at
        row.version += 1
        await self.session.flush()
        return row, True


class SyncRecordRepository(_Repository):
    async def get(self, shop_id: int, entity: str, shopify_id: str) -> SyncRecord | None:
        query = select(SyncRecord).where(
            SyncRecord.shop_id == shop_id,
            SyncRecord.entity == entity,
            SyncRecord.shopify_id == shopify_id,
        )
        return await self.session.scalar(query)

    async def get_or_create(
        self, shop_id: int, entity: str, shopify_id: str, *, label: str, status: str
    ) -> SyncRecord:
        statement = (
            self._insert(SyncRecord)
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
        await self.session.execute(statement)
        record = await self.get(shop_id, entity, shopify_id)
        assert record is not None
        return record

    async def acquire_lease(
        self, record_id: int, owner: str, now: datetime, until: datetime
    ) -> bool:
        statement = (
            update(SyncRecord)
            .where(
                SyncRecord.id == record_id,
                or_(
                    SyncRecord.lease_until.is_(None),
                    SyncRecord.lease_until < now,
                    SyncRecord.lease_owner == owner,
                ),
            )
            .values(lease_owner=owner, lease_until=until)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def remember_request(self, record_id: int, request_id: str, payload_hash: str) -> None:
        statement = (
            update(SyncRecord)
            .where(SyncRecord.id == record_id)
            .values(pending_request_id=request_id, pending_payload_hash=payload_hash)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(statement)

    async def with_error(self, shop_id: int, error_code: str) -> Sequence[SyncRecord]:
        query = select(SyncRecord).where(
            SyncRecord.shop_id == shop_id,
            SyncRecord.status == "error",
            SyncRecord.error_code == error_code,
        )
        return (await self.session.scalars(query)).all()

    async def list(
        self, shop_id: int, *, status: str | None = None, limit: int = 100
    ) -> Sequence[SyncRecord]:
        query = select(SyncRecord).where(SyncRecord.shop_id == shop_id)
        if status:
            query = query.where(SyncRecord.status == status)
        return (await self.session.scalars(query.order_by(SyncRecord.id.desc()).limit(limit))).all()


@dataclass(frozen=True)
class AuditFilter:
    status: str | None = None
    error_code: str | None = None
    entity: str | None = None
    actor: str | None = None
    label: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None


class AuditRepository(_Repository):
    async def add(self, **values: Any) -> AuditEntry:
        entry = AuditEntry(**values)
        self.session.add(entry)
        await self.session.flush()
        return entry

    async def get(self, shop_id: int, entry_id: int) -> AuditEntry | None:
        entry = await self.session.get(AuditEntry, entry_id)
        return entry if entry is not None and entry.shop_id == shop_id else None

    async def list(self, shop_id: int, where: AuditFilter, limit: int) -> Sequence[AuditEntry]:
        query = _filtered(select(AuditEntry).where(AuditEntry.shop_id == shop_id), where)
        query = query.order_by(AuditEntry.id.desc()).limit(limit)
        return (await self.session.scalars(query)).all()


def _filtered(query: Select[AuditEntry], where: AuditFilter) -> Select[AuditEntry]:
    exact = {
        AuditEntry.status: where.status,
        AuditEntry.error_code: where.error_code,
        AuditEntry.entity: where.entity,
        AuditEntry.actor: where.actor,
        AuditEntry.label: where.label,
    }
    for column, value in exact.items():
        if value is not None:
            query = query.where(column == value)
    if where.since is not None:
        query = query.where(AuditEntry.created_at >= where.since)
    if where.until is not None:
        query = query.where(AuditEntry.created_at < where.until)
    if where.before_id is not None:
        query = query.where(AuditEntry.id < where.before_id)
    return query


class MappingRepository(_Repository):
    async def as_dict(self, shop_id: int, kind: str) -> dict[str, str]:
        query = select(Mapping.source_key, Mapping.qbo_id).where(
            Mapping.shop_id == shop_id, Mapping.kind == kind
        )
        return {key: qbo_id for key, qbo_id in (await self.session.execute(query)).all()}

    async def put(
        self, shop_id: int, kind: str, source_key: str, qbo_id: str, **values: Any
    ) -> None:
        statement = self._insert(Mapping).values(
            shop_id=shop_id, kind=kind, source_key=source_key, qbo_id=qbo_id, **values
        )
        statement = statement.on_conflict_do_update(
            index_elements=["shop_id", "kind", "source_key"],
            set_={"qbo_id": qbo_id, **values},
        )
        await self.session.execute(statement)


class ConfigRepository(_Repository):
    async def get(self, shop_id: int) -> dict[str, Any]:
        row = await self.session.get(SyncConfigRow, shop_id)
        return dict(row.data) if row is not None else {}

    async def save(self, shop_id: int, data: dict[str, Any]) -> None:
        row = await self.session.get(SyncConfigRow, shop_id)
        if row is None:
            self.session.add(SyncConfigRow(shop_id=shop_id, data=data))
        else:
            row.data = data
        await self.session.flush()


class ConnectionRepository(_Repository):
    async def get(
        self, shop_id: int, provider: str, *, for_update: bool = False
    ) -> Connection | None:
        query = select(Connection).where(
            Connection.shop_id == shop_id, Connection.provider == provider
        )
        return await self.session.scalar(query.with_for_update() if for_update else query)

    async def healthy_shop_ids(self, provider: str) -> list[int]:
        query = select(Connection.shop_id).where(
            Connection.provider == provider, Connection.status == "healthy"
        )
        return list((await self.session.scalars(query)).all())

    async def get_or_create(self, shop_id: int, provider: str) -> Connection:
        connection = await self.get(shop_id, provider)
        if connection is None:
            connection = Connection(shop_id=shop_id, provider=provider, status="unhealthy")
            self.session.add(connection)
            await self.session.flush()
        return connection
