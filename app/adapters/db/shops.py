"""Shops (the tenants) and their API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.adapters.db.base import Repository, table_of
from app.adapters.db.tables import (
    ApiKey as ApiKeyRow,
)
from app.adapters.db.tables import (
    AuditEntry,
    Connection,
    Mapping,
    OrderRow,
    PrivacyRequest,
    RecordBlocker,
    Source,
    SyncConfigRow,
    SyncRecord,
    SyncRun,
    WebhookDelivery,
)
from app.adapters.db.tables import Shop as ShopRow
from app.domain.entities import ApiKey, Shop
from app.domain.signals import AlreadyExists

SHOPS = table_of(ShopRow)
KEYS = table_of(ApiKeyRow)
# Every table that holds rows of a shop, children first.
OWNED = (
    RecordBlocker,
    Source,
    AuditEntry,
    SyncRecord,
    SyncRun,
    OrderRow,
    Mapping,
    SyncConfigRow,
    Connection,
    ApiKeyRow,
    PrivacyRequest,
)


class SqlShops(Repository):
    async def get(self, shop_id: int) -> Shop | None:
        row = (await self._session.execute(select(SHOPS).where(SHOPS.c.id == shop_id))).first()
        return self._entity(Shop, row) if row is not None else None

    async def get_by_domain(self, domain: str) -> Shop | None:
        query = select(SHOPS).where(SHOPS.c.domain == domain)
        row = (await self._session.execute(query)).first()
        return self._entity(Shop, row) if row is not None else None

    async def all(self) -> list[Shop]:
        rows = await self._session.execute(select(SHOPS).order_by(SHOPS.c.domain))
        return [self._entity(Shop, row) for row in rows]

    async def add(self, domain: str, name: str, plan: str = "free") -> Shop:
        statement = SHOPS.insert().values(domain=domain, name=name, plan=plan).returning(SHOPS)
        try:
            return self._entity(Shop, (await self._session.execute(statement)).one())
        except IntegrityError as exc:
            raise AlreadyExists(f"shop {domain}") from exc

    async def save(self, shop: Shop) -> None:
        await self._save(SHOPS, shop)

    async def erase(self, shop_id: int, domain: str) -> None:
        # Explicitly: SQLite enforces no foreign-key cascades by default.
        for table in OWNED:
            await self._session.execute(delete(table).where(table.shop_id == shop_id))
        inbox = table_of(WebhookDelivery)
        await self._session.execute(delete(inbox).where(inbox.c.shop_domain == domain))
        await self._session.execute(delete(SHOPS).where(SHOPS.c.id == shop_id))


class SqlApiKeys(Repository):
    async def add(self, shop_id: int | None, key_hash: str, prefix: str, label: str) -> ApiKey:
        statement = (
            KEYS.insert()
            .values(shop_id=shop_id, key_hash=key_hash, prefix=prefix, label=label)
            .returning(KEYS)
        )
        try:
            return self._entity(ApiKey, (await self._session.execute(statement)).one())
        except IntegrityError as exc:
            raise AlreadyExists(f"API key {prefix}…") from exc

    async def find_active(self, key_hash: str) -> ApiKey | None:
        query = select(KEYS).where(KEYS.c.key_hash == key_hash, KEYS.c.revoked_at.is_(None))
        row = (await self._session.execute(query)).first()
        return self._entity(ApiKey, row) if row is not None else None

    async def revoke_for_shop(self, shop_id: int, now: datetime) -> int:
        statement = (
            update(KEYS)
            .where(KEYS.c.shop_id == shop_id, KEYS.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        result = await self._session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)
