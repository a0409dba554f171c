"""Mappings (Shopify key -> QBO record) and the shop's sync configuration."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from app.adapters.db.base import Repository, table_of
from app.adapters.db.tables import Mapping as MappingRow
from app.adapters.db.tables import SyncConfigRow, utcnow
from app.domain.entities import Mapping

MAPPINGS = table_of(MappingRow)
CONFIGS = table_of(SyncConfigRow)


class SqlMappings(Repository):
    async def as_dict(self, shop_id: int, kind: str) -> dict[str, str]:
        query = select(MAPPINGS.c.source_key, MAPPINGS.c.qbo_id).where(
            MAPPINGS.c.shop_id == shop_id, MAPPINGS.c.kind == kind
        )
        return {key: qbo_id for key, qbo_id in await self._session.execute(query)}

    async def get(self, shop_id: int, kind: str, source_key: str) -> Mapping | None:
        query = select(MAPPINGS).where(
            MAPPINGS.c.shop_id == shop_id,
            MAPPINGS.c.kind == kind,
            MAPPINGS.c.source_key == source_key,
        )
        row = (await self._session.execute(query)).first()
        return self._entity(Mapping, row, track=False) if row is not None else None

    async def put(self, mapping: Mapping) -> None:
        values = vars(mapping)
        changed = {k: v for k, v in values.items() if k not in ("shop_id", "kind", "source_key")}
        statement = (
            self._insert(MAPPINGS)
            .values(**values)
            .on_conflict_do_update(
                index_elements=["shop_id", "kind", "source_key"],
                set_={**changed, "updated_at": utcnow()},
            )
        )
        await self._session.execute(statement)

    async def delete(self, shop_id: int, kind: str, source_key: str) -> bool:
        statement = delete(MAPPINGS).where(
            MAPPINGS.c.shop_id == shop_id,
            MAPPINGS.c.kind == kind,
            MAPPINGS.c.source_key == source_key,
        )
        result = await self._session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def clear(self, shop_id: int) -> int:
        result = await self._session.execute(delete(MAPPINGS).where(MAPPINGS.c.shop_id == shop_id))
        return int(getattr(result, "rowcount", 0) or 0)


class SqlConfigs(Repository):
    async def get(self, shop_id: int) -> dict[str, Any]:
        data = await self._session.scalar(
            select(CONFIGS.c.data).where(CONFIGS.c.shop_id == shop_id)
        )
        return dict(data) if data is not None else {}

    async def save(self, shop_id: int, data: dict[str, Any]) -> None:
        statement = (
            self._insert(CONFIGS)
            .values(shop_id=shop_id, data=data)
            .on_conflict_do_update(
                index_elements=["shop_id"], set_={"data": data, "updated_at": utcnow()}
            )
        )
        await self._session.execute(statement)
