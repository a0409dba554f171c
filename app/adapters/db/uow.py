"""The unit of work on SQLAlchemy: one AsyncSession = one transaction. Jobs go out only after
the commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.adapters.db.audit import SqlAudit
from app.adapters.db.connections import SqlConnections
from app.adapters.db.inbox import SqlInbox
from app.adapters.db.mappings import SqlConfigs, SqlMappings
from app.adapters.db.oauth_states import SqlOAuthStates
from app.adapters.db.orders import SqlOrders
from app.adapters.db.privacy import SqlPrivacy
from app.adapters.db.records import SqlRecords
from app.adapters.db.runs import SqlRuns
from app.adapters.db.shops import SqlApiKeys, SqlShops
from app.adapters.db.sources import SqlSources
from app.adapters.db.tables import utcnow
from app.domain.ports import JobQueue


class SqlUnitOfWork:
    shops: SqlShops
    api_keys: SqlApiKeys
    inbox: SqlInbox
    orders: SqlOrders
    records: SqlRecords
    audit: SqlAudit
    mappings: SqlMappings
    configs: SqlConfigs
    connections: SqlConnections
    runs: SqlRuns
    privacy: SqlPrivacy
    sources: SqlSources
    oauth_states: SqlOAuthStates

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        queue: JobQueue,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._queue = queue
        self._clock = clock  # the service's clock stamps audit entries (retention reads it)
        self._jobs: list[tuple[str, tuple[Any, ...], str]] = []

    async def __aenter__(self) -> Self:
        self._session = session = self._sessions()
        self.shops = SqlShops(session)
        self.api_keys = SqlApiKeys(session)
        self.inbox = SqlInbox(session)
        self.orders = SqlOrders(session)
        self.records = SqlRecords(session)
        self.audit = SqlAudit(session, self._clock)
        self.mappings = SqlMappings(session)
        self.configs = SqlConfigs(session)
        self.connections = SqlConnections(session)
        self.runs = SqlRuns(session)
        self.privacy = SqlPrivacy(session)
        self.sources = SqlSources(session)
        self.oauth_states = SqlOAuthStates(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed.
        self._jobs.clear()
        await self._session.close()

    def enqueue_after_commit(self, function: str, *args: Any, job_id: str) -> None:
        self._jobs.append((function, args, job_id))

    async def commit(self) -> None:
        await self._session.commit()
        jobs, self._jobs = self._jobs, []
        for function, args, job_id in jobs:
            await self._queue.enqueue(function, *args, job_id=job_id)

    async def rollback(self) -> None:
        self._jobs.clear()
        await self._session.rollback()
