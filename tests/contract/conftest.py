"""One set of repository tests, run against every storage backend: the fake unit of work
(tests/fakes) and the SQL one on SQLite and on PostgreSQL. What passes here, services may
rely on whichever backend runs them."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import pytest

from app.domain.entities import NewDelivery, Shop, Stored
from app.domain.ports import Inbox, UnitOfWork
from tests.conftest import truncate_all
from tests.fakes import FakeDatabase, FakeInbox, FakeUnitOfWork, RecordingQueue

HAVE_SQL = importlib.util.find_spec("app.adapters.db.engine") is not None
NEEDS_SQL = pytest.mark.skipif(
    not HAVE_SQL, reason="app.adapters.db.engine (the SQL rewrite on the ports) is not merged yet"
)
AfterCommit = Callable[[list[Stored]], Awaitable[None]]


class DrainableInbox(Inbox, Protocol):
    async def drain(self) -> None: ...


T0 = datetime(2026, 1, 5, 8, 0, 0, 123456, tzinfo=UTC)


@dataclass
class Backend:
    """A storage backend: units of work over it, its queue and a way to seed the inbox."""

    name: str
    uow: Callable[[], UnitOfWork]
    queue: RecordingQueue
    seed_delivery: Callable[[NewDelivery], Awaitable[int]]
    # The webhook intake (ports.Inbox) over this storage, calling back after each commit.
    inbox: Callable[[AfterCommit], DrainableInbox]

    async def add_shop(self, domain: str = "northwind.myshopify.com", name: str = "N") -> Shop:
        async with self.uow() as uow:
            shop = await uow.shops.add(domain, name)
            await uow.commit()
        return shop

    async def add_delivery(self, shop_domain: str, **values: Any) -> int:
        return await self.seed_delivery(delivery(shop_domain, **values))


def delivery(shop_domain: str, **values: Any) -> NewDelivery:
    fields: dict[str, Any] = {
        "topic": "orders/create",
        "event_id": "evt-1",
        "body": '{"id": 1}',
        "status": "received",
        "note": None,
        "webhook_id": "wh-1",
        "api_version": "2026-01",
        "triggered_at": "2026-01-05T08:00:00Z",
        "received_at": T0,
    }
    return NewDelivery(shop_domain=shop_domain, **(fields | values))


async def _fake() -> AsyncIterator[Backend]:
    db, queue = FakeDatabase(), RecordingQueue()
    inbox = FakeInbox(db)

    async def seed(new: NewDelivery) -> int:
        delivery_id = await inbox.add(new)
        assert delivery_id is not None, "the fake inbox stores deliveries of installed shops"
        return delivery_id

    def intake(after_commit: AfterCommit) -> FakeInbox:
        return FakeInbox(db, after_commit)

    yield Backend("fake", lambda: FakeUnitOfWork(db, queue), queue, seed, intake)


async def _sql(name: str, url: str) -> AsyncIterator[Backend]:
    from sqlalchemy import insert

    from app.adapters.db.engine import make_engine, session_factory
    from app.adapters.db.inbox_writer import InboxWriter
    from app.adapters.db.tables import WebhookDelivery
    from app.adapters.db.uow import SqlUnitOfWork

    engine = make_engine(url)
    await truncate_all(engine)
    sessions, queue = session_factory(engine), RecordingQueue()

    async def seed(new: NewDelivery) -> int:
        statement = insert(WebhookDelivery).values(**asdict(new)).returning(WebhookDelivery.id)
        async with engine.begin() as connection:
            return int((await connection.execute(statement)).scalar_one())

    def intake(after_commit: AfterCommit) -> InboxWriter:
        return InboxWriter(engine, after_commit)

    try:
        yield Backend(name, lambda: SqlUnitOfWork(sessions, queue), queue, seed, intake)
    finally:
        await engine.dispose()


URL_FIXTURES = {"sqlite": "sqlite_url", "postgresql": "postgres_url"}  # tests/conftest.py
SQLITE = pytest.param("sqlite", marks=NEEDS_SQL)
POSTGRESQL = pytest.param("postgresql", marks=NEEDS_SQL)


def _database(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """(backend name, database URL). The URL fixtures migrate with asyncio.run, so they are
    resolved here, outside the test's event loop."""
    name: str = request.param
    return name, request.getfixturevalue(URL_FIXTURES[name]) if name in URL_FIXTURES else None


@pytest.fixture(params=["fake", SQLITE, POSTGRESQL])
def any_database(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    return _database(request)


@pytest.fixture(params=["fake", POSTGRESQL])
def locking_database(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """The backends with row locks. SQLite has none: it runs one writer at a time."""
    return _database(request)


def _backend(database: tuple[str, str | None]) -> AsyncIterator[Backend]:
    name, url = database
    return _fake() if url is None else _sql(name, url)


@pytest.fixture
async def backend(any_database: tuple[str, str | None]) -> AsyncIterator[Backend]:
    async for each in _backend(any_database):
        yield each


@pytest.fixture
async def locking(locking_database: tuple[str, str | None]) -> AsyncIterator[Backend]:
    async for each in _backend(locking_database):
        yield each


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
