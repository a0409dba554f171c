"""The runtime the settings compose: the embedded worker and sweep clock, and the arq side's
sweep cron and crash retries, each on shortened intervals."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from arq import Retry
from sqlalchemy import select

from app.adapters.db.tables import WebhookDelivery
from app.adapters.queue.inprocess import InProcessQueue
from app.bootstrap import Container, bootstrap
from app.workers.embedded import run_embedded
from app.workers.settings import FUNCTIONS, sweep_cron
from tests.harness import Harness, QueueDown, make_settings, running

REFUND = {"id": 880001, "order_id": 5910002001001, "refund_line_items": []}


async def delivery_statuses(container: Container) -> list[str]:
    async with container.sessions() as session:
        return list((await session.scalars(select(WebhookDelivery.status))).all())


async def lose_a_delivery(h: Harness) -> None:
    """A refund delivery stored and acknowledged while the queue refused its job."""
    await h.install()
    response = await h.deliver(REFUND, topic="refunds/create", event_id="evt-refund")
    await h.container.inbox.drain()
    assert response.status_code == 200
    assert await delivery_statuses(h.container) == ["received"]


async def test_the_embedded_runtime_sweeps_up_a_lost_delivery_on_its_interval(
    database_url: str,
) -> None:
    settings = make_settings(database_url, LEDGERPORT_SWEEP_INTERVAL_S=0.2)
    async with running(settings, queue=QueueDown()) as h:
        await lose_a_delivery(h)

    async with run_embedded(settings) as container:
        # Nothing but the runtime's own sweep clock and worker can process it now.
        for _ in range(50):
            if await delivery_statuses(container) == ["deferred"]:
                break
            await asyncio.sleep(0.1)

        assert await delivery_statuses(container) == ["deferred"]


async def test_the_arq_cron_sweeps_only_in_the_minutes_the_interval_picks(
    sqlite_url: str,
) -> None:
    queue = QueueDown()
    async with running(make_settings(sqlite_url), queue=queue) as h:
        await lose_a_delivery(h)
        queue.down = False
        later = datetime.now(UTC) + timedelta(minutes=10)
        h.container.clock = lambda: later
        five_past = datetime(2025, 3, 1, 14, 5, tzinfo=UTC).timestamp() * 1000

        await sweep_cron({"container": h.container, "score": five_past + 60_000})
        await queue.join()
        assert await delivery_statuses(h.container) == ["received"]  # 14:06: not a sweep
        await sweep_cron({"container": h.container, "score": five_past})
        await queue.join()
        assert await delivery_statuses(h.container) == ["deferred"]


async def test_an_arq_job_that_crashes_is_retried_after_the_configured_base(
    tmp_path: Path,
) -> None:
    unmigrated = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    container = bootstrap(
        make_settings(unmigrated, LEDGERPORT_JOB_RETRY_BASE_S=0.5), InProcessQueue()
    )
    [job] = [function for function in FUNCTIONS if function.name == "sweep_all"]
    try:
        with pytest.raises(Retry) as retry:  # no tables: the job's first query fails
            await job.coroutine({"container": container, "job_try": 3})
    finally:
        await container.aclose()
    assert retry.value.defer_score == 2000  # 0.5 s · 2², in ms
