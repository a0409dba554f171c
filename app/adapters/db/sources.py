"""What the shop's orders have shown us that can be mapped, each with its mapping."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from app.adapters.db.base import Repository, table_of
from app.adapters.db.tables import Mapping as MappingRow
from app.adapters.db.tables import Source as SourceRow
from app.domain.entities import Mapping, Source

SOURCES = table_of(SourceRow)
MAPPINGS = table_of(MappingRow)
MAPPING_FIELDS = ("qbo_id", "source_label", "qbo_name", "origin")


class SqlSources(Repository):
    async def seen(self, source: Source) -> None:
        values = {
            "shop_id": source.shop_id,
            "kind": source.kind,
            "source_key": source.source_key,
            "label": source.label[:255],
            "detail": source.detail,
        }
        if source.last_seen_at is not None:
            values["last_seen_at"] = source.last_seen_at
        changed = {k: v for k, v in values.items() if k in ("label", "detail", "last_seen_at")}
        statement = (
            self._insert(SOURCES)
            .values(**values)
            .on_conflict_do_update(
                index_elements=["shop_id", "kind", "source_key"],
                set_={**changed, "last_seen_at": values.get("last_seen_at", func.now())},
            )
        )
        await self._session.execute(statement)

    async def get(self, shop_id: int, kind: str, source_key: str) -> Source | None:
        found = await self._select(shop_id, kind, SOURCES.c.source_key == source_key, limit=1)
        return found[0] if found else None

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
        conditions: builtins.list[ColumnElement[bool]] = []
        if state == "mapped":
            conditions.append(MAPPINGS.c.qbo_id.is_not(None))
        elif state == "unmapped":
            conditions.append(MAPPINGS.c.qbo_id.is_(None))
        if search:
            needle = f"%{search.lower()}%"
            conditions.append(
                or_(
                    func.lower(SOURCES.c.source_key).like(needle),
                    func.lower(SOURCES.c.label).like(needle),
                )
            )
        if after is not None:
            conditions.append(SOURCES.c.source_key > after)
        return await self._select(shop_id, kind, *conditions, limit=limit)

    async def _select(
        self, shop_id: int, kind: str, *conditions: ColumnElement[bool], limit: int
    ) -> builtins.list[Source]:
        joined = SOURCES.outerjoin(
            MAPPINGS,
            and_(
                MAPPINGS.c.shop_id == SOURCES.c.shop_id,
                MAPPINGS.c.kind == SOURCES.c.kind,
                MAPPINGS.c.source_key == SOURCES.c.source_key,
            ),
        )
        query = (
            select(SOURCES, *(MAPPINGS.c[name] for name in MAPPING_FIELDS))
            .select_from(joined)
            .where(SOURCES.c.shop_id == shop_id, SOURCES.c.kind == kind, *conditions)
            .order_by(SOURCES.c.source_key)
            .limit(limit)
        )
        return [_source(row) for row in await self._session.execute(query)]


def _source(row: Any) -> Source:
    values = row._mapping
    mapping = None
    if values["qbo_id"] is not None:
        mapping = Mapping(
            values["shop_id"],
            values["kind"],
            values["source_key"],
            values["qbo_id"],
            values["source_label"],
            values["qbo_name"],
            values["origin"],
        )
    return Source(
        values["shop_id"],
        values["kind"],
        values["source_key"],
        values["label"],
        dict(values["detail"] or {}),
        values["last_seen_at"],
        mapping,
    )
