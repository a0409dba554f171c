"""The fake unit of work: a working copy of the store that `commit` publishes."""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable
from types import TracebackType
from typing import Any, Self

from app.domain import ports
from app.domain.ports import JobQueue, UnitOfWork
from tests.fakes.logs import AuditRepository, PrivacyRepository, RunRepository
from tests.fakes.settings import (
    ConfigRepository,
    ConnectionRepository,
    MappingRepository,
    SourceRepository,
)
from tests.fakes.shops import ApiKeyRepository, OAuthStateRepository, ShopRepository
from tests.fakes.store import FakeDatabase, Tables, snapshot
from tests.fakes.sync import InboxRepository, OrderRepository, SyncRecordRepository


class FakeUnitOfWork:
    """app.domain.ports.UnitOfWork in memory. Entering takes a copy of the committed state;
    `commit` publishes what changed (row by row), then sends the jobs asked for; leaving
    without a commit drops both. Reads see the state as it was on entering, except locking
    reads, writes and lookups by unique key, which see the newest committed row, as they do
    in PostgreSQL. Rows it writes or locks stay locked for other units of work until it ends."""

    def __init__(self, db: FakeDatabase, queue: JobQueue) -> None:
        self.db = db
        self._queue = queue
        self._jobs: list[tuple[str, tuple[Any, ...], str]] = []
        self._base: Tables | None = None
        self._work: Tables | None = None
        # id(entity) -> (entity, its values when read): what `save` compares against.
        self.tracked: dict[int, tuple[Any, dict[str, Any]]] = {}
        # Typed as the ports: mypy then holds each fake repository to its protocol.
        self.shops: ports.ShopRepository = ShopRepository(self)
        self.api_keys: ports.ApiKeyRepository = ApiKeyRepository(self)
        self.inbox: ports.InboxRepository = InboxRepository(self)
        self.orders: ports.OrderRepository = OrderRepository(self)
        self.records: ports.SyncRecordRepository = SyncRecordRepository(self)
        self.audit: ports.AuditRepository = AuditRepository(self)
        self.mappings: ports.MappingRepository = MappingRepository(self)
        self.configs: ports.ConfigRepository = ConfigRepository(self)
        self.connections: ports.ConnectionRepository = ConnectionRepository(self)
        self.runs: ports.RunRepository = RunRepository(self)
        self.privacy: ports.PrivacyRepository = PrivacyRepository(self)
        self.sources: ports.SourceRepository = SourceRepository(self)
        self.oauth_states: ports.OAuthStateRepository = OAuthStateRepository(self)

    async def __aenter__(self) -> Self:
        self.tracked = {}
        self._begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._end()
        self.tracked = {}

    async def commit(self) -> None:
        self.db.publish(self._snapshot(), self.work)
        jobs = self._jobs
        self._end()
        self._begin()
        for function, args, job_id in jobs:
            await self._queue.enqueue(function, *args, job_id=job_id)

    async def rollback(self) -> None:
        self._end()
        self._begin()

    def enqueue_after_commit(self, function: str, *args: Any, job_id: str) -> None:
        self._jobs.append((function, args, job_id))

    @property
    def work(self) -> Tables:
        if self._work is None:
            raise RuntimeError("a unit of work is used inside `async with` only")
        return self._work

    async def lock_row(self, table: str, key: Hashable, *, wait: bool) -> bool:
        """Locks the row and, on first locking, reads its newest committed state (as a
        locking read or an UPDATE does)."""
        if self.db.holds(self, (table, key)):
            return True
        if not await self.db.lock(self, (table, key), wait=wait):
            return False
        ours = key not in self._snapshot().table(table)  # inserted here: nothing to read
        if not ours and not self.deleted(table, key):
            self.refresh(table, key)
        return True

    def refresh(self, table: str, key: Hashable) -> None:
        """Takes the committed state of one row into this unit of work."""
        committed = self.db.tables.table(table).get(key)
        for tables in (self._snapshot(), self.work):
            if committed is None:
                tables.table(table).pop(key, None)
            else:
                tables.table(table)[key] = copy.deepcopy(committed)

    def deleted(self, table: str, key: Hashable) -> bool:
        """Whether this unit of work deleted the row."""
        return key in self._snapshot().table(table) and key not in self.work.table(table)

    def _snapshot(self) -> Tables:
        if self._base is None:
            raise RuntimeError("a unit of work is used inside `async with` only")
        return self._base

    def _begin(self) -> None:
        self._base = snapshot(self.db.tables)
        self._work = snapshot(self._base)

    def _end(self) -> None:
        self.db.release(self)
        self._jobs = []
        self._base = self._work = None


def unit_of_work_factory(db: FakeDatabase, queue: JobQueue) -> Callable[[], FakeUnitOfWork]:
    return lambda: FakeUnitOfWork(db, queue)


def _is_a_unit_of_work(uow: FakeUnitOfWork) -> UnitOfWork:
    return uow  # mypy checks that the fake satisfies the port
