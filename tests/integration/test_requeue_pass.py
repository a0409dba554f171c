"""The re-queue pass on a real database: jobs the queue lost are found again in the records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from app.services.pending import requeue_due
from app.workers.jobs import bound_jobs, requeue_due_orders
from tests.fakes.queue import RecordingQueue
from tests.harness import REALM, Harness, make_settings, order_fixture, running


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with running(make_settings(database_url), queue=RecordingQueue()) as harness:
        yield harness


async def test_an_order_whose_job_was_lost_is_synced_by_the_pass(h: Harness) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    queue = h.queue
    assert isinstance(queue, RecordingQueue)
    await h.deliver(order_fixture())
    await h.container.inbox.drain()
    jobs = bound_jobs(h.container)
    for function, args, _ in queue.take():  # the delivery is processed…
        await jobs[function](*args)
    lost = queue.take()  # …and its sync job is lost with the queue
    assert [f for f, _, _ in lost] == ["sync_order"]

    now = h.container.clock()
    assert await requeue_due(h.container.uow, queue, now) == 1
    assert await requeue_due(h.container.uow, queue, now) == 1  # the same job id: not doubled
    [(function, args, _)] = queue.take()
    assert function == "sync_due_order"
    await jobs[function](*args)
    await jobs[function](*args)  # a late duplicate finds the order synced and does nothing

    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1
    assert await requeue_due(h.container.uow, queue, h.container.clock()) == 0


async def test_an_order_whose_delivery_job_was_lost_is_processed_after_one_interval(
    h: Harness,
) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")
    queue = h.queue
    assert isinstance(queue, RecordingQueue)
    await h.deliver(order_fixture())
    await h.container.inbox.drain()
    assert [f for f, _, _ in queue.take()] == ["process_webhooks"]  # lost with the queue

    jobs, stored = bound_jobs(h.container), h.container.clock()
    await requeue_due_orders(h.container)
    assert queue.take() == []  # just stored: its job is likely on its way
    interval = h.container.settings.requeue_interval_s
    h.container.clock = lambda: stored + timedelta(seconds=interval + 1)
    await requeue_due_orders(h.container)
    [(function, args, _)] = queue.take()
    assert function == "process_webhooks"
    await jobs[function](*args)
    [(function, args, _)] = queue.take()  # the stored order's sync
    await jobs[function](*args)

    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1
    await requeue_due_orders(h.container)
    assert queue.take() == []
