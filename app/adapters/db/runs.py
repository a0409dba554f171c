"""Sync runs: manual syncs, ops re-syncs, backfills and sweeps."""

from __future__ import annotations

from sqlalchemy import select

from app.adapters.db.base import Repository, table_of
from app.adapters.db.tables import SyncRun as SyncRunRow
from app.domain.entities import SyncRun

RUNS = table_of(SyncRunRow)


class SqlRuns(Repository):
    async def add(self, run: SyncRun) -> None:
        values = {k: v for k, v in vars(run).items() if k != "created_at" or v is not None}
        await self._session.execute(RUNS.insert().values(**values))

    async def get(self, shop_id: int, run_id: str) -> SyncRun | None:
        query = select(RUNS).where(RUNS.c.id == run_id, RUNS.c.shop_id == shop_id)
        row = (await self._session.execute(query)).first()
        return self._entity(SyncRun, row) if row is not None else None

    async def last_done(self, shop_id: int, kind: str) -> SyncRun | None:
        query = (
            select(RUNS)
            .where(RUNS.c.shop_id == shop_id, RUNS.c.kind == kind, RUNS.c.status == "done")
            .order_by(RUNS.c.created_at.desc())
            .limit(1)
        )
        row = (await self._session.execute(query)).first()
        return self._entity(SyncRun, row) if row is not None else None

    async def save(self, run: SyncRun) -> None:
        await self._save(RUNS, run)
