"""What the API process runs besides the API: the queue the settings choose and, in the
embedded default (no REDIS_URL), the worker and the clocks of the sweep and of the re-queue
pass too."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from app.adapters.queue.inprocess import InProcessQueue
from app.bootstrap import Container, bootstrap
from app.settings import Settings
from app.workers.jobs import bound_jobs, sweep_slot


@asynccontextmanager
async def run_embedded(settings: Settings) -> AsyncIterator[Container]:
    """The container, built once, and the jobs' runtime around it; all closed on exit.

    With REDIS_URL, jobs go to arq and the arq workers run them and the crons. Without it,
    they run here: an in-process queue, its workers and clocks that queue the sweep and the
    re-queue pass."""
    async with AsyncExitStack() as stack:
        if settings.redis_url:
            from app.workers.arq_queue import connect

            queue = await connect(settings.redis_url)
            stack.push_async_callback(queue.aclose)
            container = bootstrap(settings, queue)
            stack.push_async_callback(container.aclose)
        else:
            local = InProcessQueue(retry_base_s=settings.job_retry_base_s)
            container = bootstrap(settings, local)
            stack.push_async_callback(container.aclose)
            await stack.enter_async_context(_local_worker(container, local))
        yield container


@asynccontextmanager
async def _local_worker(container: Container, queue: InProcessQueue) -> AsyncIterator[None]:
    queue.runners = bound_jobs(container)
    queue.start()
    clocks = [
        asyncio.create_task(_sweep_clock(container, queue)),
        asyncio.create_task(_requeue_clock(container, queue)),
    ]
    try:
        yield
    finally:
        for clock in clocks:
            clock.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await clock
        await queue.stop()


async def _sweep_clock(container: Container, queue: InProcessQueue) -> None:
    interval = container.settings.sweep_interval_s
    while True:
        await asyncio.sleep(interval)
        slot = sweep_slot(container.clock(), interval)
        await queue.enqueue("sweep_all", job_id=f"sweep_all:{slot}")


async def _requeue_clock(container: Container, queue: InProcessQueue) -> None:
    """Queues the re-queue pass every LEDGERPORT_REQUEUE_INTERVAL_S: the in-process queue
    forgets its jobs when the process stops, the records do not."""
    interval = container.settings.requeue_interval_s
    while True:
        await asyncio.sleep(interval)
        slot = sweep_slot(container.clock(), interval)
        await queue.enqueue("requeue_due_orders", job_id=f"requeue_due_orders:{slot}")
