"""One set of repository tests, run against every storage backend: the fake unit of work
(tests/fakes) and the SQL one on SQLite and on PostgreSQL. What passes here, services may
rely on whichever backend runs them."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.domain.entities import NewDelivery, Shop
from app.domain.ports import UnitOfWork
from tests.conftest import truncate_all
from tests.fakes import FakeDatabase, FakeInbox, FakeUnitOfWork, RecordingQueue

HAVE_SQL = importlib.util.find_spec("app.adapters.db.engine") is not None
NEEDS_SQL = pytest.mark.skipif(
    not HAVE_SQL, reason="app.adapters.db.engine (the SQL rewrite on the ports) is not merged yet"
)
T0 = datetime(2026, 1, 5, 8, 0, 0, 123456, tzinfo=UTC)


@dataclass
class Backend:
    """A storage backend: units of work over it, its queue and a way to seed the inbox."""

    name: str
    uow: Callable[[], UnitOfWork]
    queue: RecordingQueue
    seed_delivery: Callable[[NewDelivery], Awaitable[int]]

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

    yield Backend("fake", lambda: FakeUnitOfWork(db, queue), queue, seed)


async def _sql(name: str, url: str) -> AsyncIterator[Backend]:
    from app.adapters.db.engine import make_engine, session_factory
    from sqlalchemy import insert

    from app.adapters.db.tables import WebhookDelivery
    from app.adapters.db.uow import SqlUnitOfWork

    engine = make_engine(url)
    await truncate_all(engine)
    sessions, queue = session_factory(engine), RecordingQueue()

    async def seed(new: NewDelivery) -> int:
        statement = insert(WebhookDelivery).values(**asdict(new)).returning(WebhookDelivery.id)
        async with engine.begin() as connection:
            return int((await connection.execute(statement)).scalar_one())

    try:
        yield Backend(name, lambda: SqlUnitOfWork(sessions, queue), queue, seed)
    finally:
        await engine.dispose()


def _backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "fake":
        return _fake()
    url: str = request.getfixturevalue(URL_FIXTURES[request.param])
    return _sql(request.param, url)


URL_FIXTURES = {"sqlite": "sqlite_url", "postgresql": "postgres_url"}  # tests/conftest.py
SQLITE = pytest.param("sqlite", marks=NEEDS_SQL)
POSTGRESQL = pytest.param("postgresql", marks=NEEDS_SQL)


@pytest.fixture(params=["fake", SQLITE, POSTGRESQL])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    async for each in _backend(request):
        yield each


@pytest.fixture(params=["fake", POSTGRESQL])
async def locking(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    """The backends with row locks. SQLite has none: it runs one writer at a time."""
    async for each in _backend(request):
        yield each


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
