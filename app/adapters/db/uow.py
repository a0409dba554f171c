"""One AsyncSession = one transaction = one unit of work. Jobs go out only after commit."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.adapters.db import repositories as repos
from app.domain.ports import JobQueue


class SqlUnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], queue: JobQueue) -> None:
        self._sessions = sessions
        self._queue = queue
        self._jobs: list[tuple[str, tuple[Any, ...], str]] = []

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self.shops = repos.ShopRepository(self.session)
        self.inbox = repos.InboxRepository(self.session)
        self.orders = repos.OrderRepository(self.session)
        self.records = repos.SyncRecordRepository(self.session)
        self.audit = repos.AuditRepository(self.session)
        self.mappings = repos.MappingRepository(self.session)
        self.configs = repos.ConfigRepository(self.session)
        self.connections = repos.ConnectionRepository(self.session)
        self.api_keys = repos.ApiKeyRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back what was not committed and detaches rows without expiring them,
        # so values read inside the unit of work stay readable after it.
        self._jobs.clear()
        await self.session.close()

    def enqueue_after_commit(self, function: str, *args: Any, job_id: str) -> None:
        self._jobs.append((function, args, job_id))

    async def commit(self) -> None:
        await self.session.commit()
        jobs, self._jobs = self._jobs, []
        for function, args, job_id in jobs:
            await self._queue.enqueue(function, *args, job_id=job_id)

    async def rollback(self) -> None:
        self._jobs.clear()
        await self.session.rollback()
