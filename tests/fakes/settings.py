"""Fake repositories of a shop's settings: mappings, sync config and connections."""

from __future__ import annotations

from typing import Any

from app.domain.entities import HEALTHY, Connection
from app.domain.entities import Mapping as MappingEntry
from tests.fakes.base import Repository, copied
from tests.fakes.store import json_value, stored


class MappingRepository(Repository):
    async def as_dict(self, shop_id: int, kind: str) -> dict[str, str]:
        rows = self._rows("mappings")
        return {m.source_key: m.qbo_id for m in rows if (m.shop_id, m.kind) == (shop_id, kind)}

    async def get(self, shop_id: int, kind: str, source_key: str) -> MappingEntry | None:
        mapping = self._table("mappings").get((shop_id, kind, source_key))
        return copied(mapping) if mapping is not None else None

    async def put(self, mapping: MappingEntry) -> None:
        key = (mapping.shop_id, mapping.kind, mapping.source_key)
        await self._lock("mappings", key)
        self._table("mappings")[key] = stored(mapping)


class ConfigRepository(Repository):
    async def get(self, shop_id: int) -> dict[str, Any]:
        return copied(self._table("configs").get(shop_id, {}))

    async def save(self, shop_id: int, data: dict[str, Any]) -> None:
        await self._lock("configs", shop_id)
        self._table("configs")[shop_id] = json_value(data)


class ConnectionRepository(Repository):
    async def get(
        self, shop_id: int, provider: str, *, for_update: bool = False
    ) -> Connection | None:
        """With `for_update`, waits for the unit of work that holds the row, then reads its
        newest committed state."""
        key = self._find("connections", (shop_id, provider))
        if key is None:
            return None
        if for_update:
            await self._lock("connections", key)
        connection = self._table("connections").get(key)
        return self._out(connection) if connection is not None else None

    async def get_or_create(self, shop_id: int, provider: str) -> Connection:
        key = await self._find_or_reserve("connections", (shop_id, provider))
        if key is None:
            key = self._next_id("connections")
            await self._lock("connections", key)
            self._table("connections")[key] = Connection(shop_id, provider, id=key)
        connection: Connection = self._table("connections")[key]
        return self._out(connection)

    async def healthy_shop_ids(self, provider: str) -> list[int]:
        rows = self._rows("connections")
        return sorted(c.shop_id for c in rows if c.provider == provider and c.status == HEALTHY)

    async def save(self, connection: Connection) -> None:
        """A connection not stored yet (no id) is created first, and given its id."""
        if connection.id is None:
            created = await self.get_or_create(connection.shop_id, connection.provider)
            connection.id = created.id
        await self._save("connections", connection.id, connection)
