"""The production deployment's queue: PostgreSQL plus a real arq worker on Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from arq.connections import RedisSettings, create_pool
from arq.worker import Worker

from app.workers.arq_queue import ArqJobQueue
from app.workers.settings import FUNCTIONS
from tests.conftest import REDIS_URL
from tests.harness import REALM, SHOP, Harness, make_settings, order_fixture, running


@pytest.fixture
async def arq_queue() -> AsyncIterator[ArqJobQueue]:
    pool = await create_pool(RedisSettings.from_dsn(REDIS_URL))
    await pool.flushdb()
    queue = ArqJobQueue(pool)
    yield queue
    await pool.flushdb()
    await queue.aclose()


@pytest.fixture
async def h(postgres_url: str, arq_queue: ArqJobQueue) -> AsyncIterator[Harness]:
    settings = make_settings(postgres_url, REDIS_URL=REDIS_URL)
    async with running(settings, queue=arq_queue) as harness:
        yield harness


async def drain(h: Harness, queue: ArqJobQueue) -> None:
    """Burst workers until Redis holds no job (a job may enqueue the next one)."""
    for _ in range(5):
        worker = Worker(
            functions=FUNCTIONS,
            redis_pool=queue.pool,
            burst=True,
            poll_delay=0,
            ctx={"container": h.container},
            handle_signals=False,
        )
        await worker.main()
        await worker.close()
        if await queue.pool.zcard("arq:queue") == 0:
            return
    raise AssertionError("jobs still queued after five burst runs")


async def test_arq_worker_syncs_a_webhook_order_on_postgres(
    h: Harness, arq_queue: ArqJobQueue
) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")

    response = await h.deliver(order_fixture())
    await h.container.inbox.drain()  # its job is queued just after the 200
    assert response.status_code == 200
    assert await arq_queue.pool.zcard("arq:queue") == 1  # stored, queued, not yet synced
    assert h.qbo.documents(REALM, "SalesReceipt") == []

    await drain(h, arq_queue)

    [receipt] = h.qbo.documents(REALM, "SalesReceipt")
    log = (await h.api.get(f"/v1/shops/{SHOP}/audit-log", headers=h.auth(shop))).json()
    assert [(e["status"], e["qbo_id"]) for e in log["items"]] == [("synced", receipt["Id"])]


async def test_arq_deduplicates_repeated_deliveries(h: Harness, arq_queue: ArqJobQueue) -> None:
    shop = await h.install()
    h.add_customer("Maya Okafor", "maya.okafor@example.com")
    await h.map_sku(shop, "TEE-ORG-HG-M", "Organic Cotton Tee")

    for n in range(3):
        await h.deliver(order_fixture(), event_id="evt-same", webhook_id=f"wh-{n}")
        await h.container.inbox.drain()
    assert await arq_queue.pool.zcard("arq:queue") == 1
    await drain(h, arq_queue)

    assert len(h.qbo.documents(REALM, "SalesReceipt")) == 1
