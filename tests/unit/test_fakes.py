"""What the fakes do beyond the repository contract (tests/contract holds them to that)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.domain.entities import NewDelivery, Stored
from app.domain.signals import InboxUnavailable
from tests.fakes import FakeClock, FakeDatabase, FakeInbox, FakeUnitOfWork, RecordingQueue

CLOCK = FakeClock()
NEW = NewDelivery(
    shop_domain="northwind.myshopify.com",
    topic="orders/create",
    event_id="evt-1",
    body="{}",
    status="received",
    note=None,
    webhook_id=None,
    api_version=None,
    triggered_at=None,
    received_at=CLOCK(),
)


async def test_the_queue_ignores_a_job_id_it_holds() -> None:
    queue = RecordingQueue()
    await queue.enqueue("sync_order", 1, "1", job_id="a")
    await queue.enqueue("sync_order", 1, "2", job_id="a")
    await queue.enqueue("sync_order", 1, "3", job_id="b")
    assert queue.take() == [("sync_order", (1, "1"), "a"), ("sync_order", (1, "3"), "b")]
    await queue.enqueue("sync_order", 1, "4", job_id="a")
    assert queue.job_ids == ["a"]


async def _installed(db: FakeDatabase) -> None:
    async with FakeUnitOfWork(db, RecordingQueue()) as uow:
        await uow.shops.add("northwind.myshopify.com", "Northwind")
        await uow.commit()


async def test_the_inbox_stores_a_delivery_of_an_installed_shop_once() -> None:
    db, batches = FakeDatabase(), []

    async def after_commit(stored: list[Stored]) -> None:
        batches.append(stored)

    inbox = FakeInbox(db, after_commit)
    assert await inbox.add(NEW) is None  # not installed
    await _installed(db)
    delivery_id = await inbox.add(NEW)
    assert delivery_id is not None
    assert await inbox.add(NEW) is None
    assert await inbox.add(replace(NEW, topic="orders/paid")) == delivery_id + 1
    stored = [Stored(delivery_id, "orders/create", "received")]
    assert inbox.queued == [*stored, Stored(delivery_id + 1, "orders/paid", "received")]
    assert batches == [stored, [inbox.queued[1]]]
    async with FakeUnitOfWork(db, RecordingQueue()) as uow:
        delivery = await uow.inbox.get(delivery_id)
    assert delivery is not None and delivery.received_at == CLOCK()


async def test_the_inbox_down_refuses_deliveries() -> None:
    inbox = FakeInbox(FakeDatabase())
    inbox.down = True
    with pytest.raises(InboxUnavailable):
        await inbox.add(NEW)


async def test_units_of_work_on_different_rows_do_not_undo_each_other() -> None:
    db, queue = FakeDatabase(), RecordingQueue()
    await _installed(db)
    async with FakeUnitOfWork(db, queue) as first, FakeUnitOfWork(db, queue) as second:
        await first.configs.save(1, {"by": "first"})
        await second.mappings.as_dict(1, "product")
        shop = await second.shops.get(1)
        assert shop is not None
        shop.plan = "pro"
        await second.shops.save(shop)
        await first.commit()
        await second.commit()
    async with FakeUnitOfWork(db, queue) as uow:
        assert await uow.configs.get(1) == {"by": "first"}
        shop = await uow.shops.get(1)
    assert shop is not None and shop.plan == "pro"


async def test_a_naive_time_is_refused_as_by_the_utc_column() -> None:
    db = FakeDatabase()
    await _installed(db)
    async with FakeUnitOfWork(db, RecordingQueue()) as uow:
        shop = await uow.shops.get(1)
        assert shop is not None
        shop.uninstalled_at = CLOCK().replace(tzinfo=None)
        with pytest.raises(ValueError, match="naive"):
            await uow.shops.save(shop)


def test_a_unit_of_work_is_used_inside_async_with_only() -> None:
    uow = FakeUnitOfWork(FakeDatabase(), RecordingQueue())
    with pytest.raises(RuntimeError, match="async with"):
        uow.work  # noqa: B018
