"""The audit log: append-only, read newest first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.adapters.db.base import Repository, table_of
from app.adapters.db.tables import AuditEntry as AuditRow
from app.domain.entities import AuditEntry, AuditFilter

AUDIT = table_of(AuditRow)
# AuditFilter field -> column compared for equality.
EXACT = ("status", "error_code", "entity", "actor", "label", "run_id", "shopify_id")


class SqlAudit(Repository):
    def __init__(self, session: AsyncSession, clock: Callable[[], datetime]) -> None:
        super().__init__(session)
        self._clock = clock

    async def add(self, entry: AuditEntry) -> AuditEntry:
        """Stores the entry, stamped by the service's clock unless it carries its time."""
        values = {k: v for k, v in vars(entry).items() if k not in ("id", "created_at")}
        values["created_at"] = entry.created_at or self._clock()
        statement = AUDIT.insert().values(**values).returning(AUDIT)
        return self._entity(AuditEntry, (await self._session.execute(statement)).one(), track=False)

    async def get(self, shop_id: int, entry_id: int) -> AuditEntry | None:
        query = select(AUDIT).where(AUDIT.c.id == entry_id, AUDIT.c.shop_id == shop_id)
        row = (await self._session.execute(query)).first()
        return self._entity(AuditEntry, row, track=False) if row is not None else None

    async def list(self, shop_id: int, where: AuditFilter, limit: int) -> list[AuditEntry]:
        query = _filtered(select(AUDIT).where(AUDIT.c.shop_id == shop_id), where)
        rows = await self._session.execute(query.order_by(AUDIT.c.id.desc()).limit(limit))
        return [self._entity(AuditEntry, row, track=False) for row in rows]

    async def count_by_status(self, shop_id: int, run_id: str) -> dict[str, int]:
        query = (
            select(AUDIT.c.status, func.count())
            .where(AUDIT.c.shop_id == shop_id, AUDIT.c.run_id == run_id)
            .group_by(AUDIT.c.status)
        )
        return {status: int(count) for status, count in await self._session.execute(query)}


def _filtered(query: Select[Any], where: AuditFilter) -> Select[Any]:
    for name in EXACT:
        value = getattr(where, name)
        if isinstance(value, tuple):
            query = query.where(AUDIT.c[name].in_(value))
        elif value is not None:
            query = query.where(AUDIT.c[name] == value)
    if where.since is not None:
        query = query.where(AUDIT.c.created_at >= where.since)
    if where.until is not None:
        query = query.where(AUDIT.c.created_at < where.until)
    if where.before_id is not None:
        query = query.where(AUDIT.c.id < where.before_id)
    return query
