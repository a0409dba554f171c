"""Fake repositories of a shop's settings: mappings, sync config and connections."""

from __future__ import annotations

import builtins
from dataclasses import replace
from typing import Any

from app.domain.entities import HEALTHY, Connection, Source
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

    async def delete(self, shop_id: int, kind: str, source_key: str) -> bool:
        key = (shop_id, kind, source_key)
        await self._lock("mappings", key)
        return self._table("mappings").pop(key, None) is not None

    async def clear(self, shop_id: int) -> int:
        keys = [key for key in self._table("mappings") if key[0] == shop_id]
        for key in keys:
            await self._lock("mappings", key)
            self._table("mappings").pop(key, None)
        return len(keys)


class SourceRepository(Repository):
    async def seen(self, source: Source) -> None:
        key = (source.shop_id, source.kind, source.source_key)
        await self._lock("sources", key)
        when = source.last_seen_at or self._now()
        self._table("sources")[key] = stored(
            replace(source, label=source.label[:255], last_seen_at=when, mapping=None)
        )

    async def get(self, shop_id: int, kind: str, source_key: str) -> Source | None:
        source = self._table("sources").get((shop_id, kind, source_key))
        return self._with_mapping(source) if source is not None else None

    async def list(
        self,
        shop_id: int,
        kind: str,
        *,
        state: str | None = None,
        search: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> builtins.list[Source]:
        rows = sorted(
            (s for s in self._rows("sources") if (s.shop_id, s.kind) == (shop_id, kind)),
            key=lambda s: s.source_key,
        )
        found = [self._with_mapping(s) for s in rows if after is None or s.source_key > after]
        if state is not None:
            found = [s for s in found if (s.mapping is not None) == (state == "mapped")]
        if search:
            needle = search.lower()
            found = [
                s for s in found if needle in s.source_key.lower() or needle in s.label.lower()
            ]
        return found[:limit]

    def _with_mapping(self, source: Source) -> Source:
        mapping = self._table("mappings").get((source.shop_id, source.kind, source.source_key))
        return replace(copied(source), mapping=copied(mapping) if mapping else None)


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
