"""Job bodies, independent of the queue that runs them. Each may raise RetryLater."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from app.bootstrap import Container
from app.domain.models import Actor
from app.metrics import LOST_REQUEUED, REQUEUED_DUE
from app.services import backfill as backfill_service
from app.services.pending import requeue_due
from app.services.sync_order import sync_order as sync_order_service
from app.services.webhooks import (
    process_deliveries,
    purge_handled_deliveries,
    requeue_lost_deliveries,
)

log = logging.getLogger(__name__)


async def process_webhooks(container: Container, *delivery_ids: int, attempt: int = 1) -> None:
    await process_deliveries(container.uow, delivery_ids, container.clock)


async def sync_order(
    container: Container,
    shop_id: int,
    shopify_id: str,
    actor: str,
    run_id: str | None = None,
    force: bool = False,
    *,
    attempt: int = 1,
) -> None:
    """`attempt` counts the queue's tries: every run after the first is an automatic retry.
    `force` (a person asked) syncs the order whatever its triggers say."""
    actor = Actor.auto_retry if attempt > 1 else actor
    await sync_order_service(container.sync_deps, shop_id, shopify_id, actor, run_id, force)


async def sync_due_order(
    container: Container, shop_id: int, shopify_id: str, actor: str, *, attempt: int = 1
) -> None:
    """The re-queue pass's job: syncs the order only if its record is still pending or due."""
    actor = Actor.auto_retry if attempt > 1 else actor
    deps = container.sync_deps
    await sync_order_service(deps, shop_id, shopify_id, actor, only_if_due=True)


async def requeue_due_orders(container: Container, *, attempt: int = 1) -> None:
    """The re-queue pass (see app/services/pending.py); the cron or the embedded clock runs it
    every LEDGERPORT_REQUEUE_INTERVAL_S. It rings again for the deliveries stored but still
    unprocessed after a whole interval, and for every order sync pending or due."""
    now, interval = container.clock(), container.settings.requeue_interval_s
    # An order still in the inbox has no record yet: a Redis lost with its processing job
    # leaves only the delivery to say so. A younger one's job is likely just on its way.
    lost = await requeue_lost_deliveries(
        container.uow(), container.queue, now - timedelta(seconds=interval)
    )
    LOST_REQUEUED.inc(lost)
    queued = await requeue_due(container.uow, container.queue, now)
    REQUEUED_DUE.inc(queued)
    level = logging.INFO if queued or lost else logging.DEBUG
    log.log(level, "re-queue pass: %d deliveries and %d order syncs queued", lost, queued)


async def backfill(container: Container, shop_id: int, run_id: str, *, attempt: int = 1) -> None:
    await backfill_service.run_backfill(container.backfill_deps, shop_id, run_id)


async def sweep(container: Container, shop_id: int, *, attempt: int = 1) -> None:
    await backfill_service.sweep(container.backfill_deps, shop_id)


async def sweep_all(container: Container, *, attempt: int = 1) -> None:
    """Queues one sweep per shop connected to Shopify (the cron calls this), and again the
    deliveries whose processing job was lost; deletes handled deliveries past retention."""
    now, interval = container.clock(), container.settings.sweep_interval_s
    # Older than one sweep and still unprocessed: its job is not merely on its way.
    lost = now - timedelta(seconds=interval)
    requeued = await requeue_lost_deliveries(container.uow(), container.queue, lost)
    LOST_REQUEUED.inc(requeued)
    retention = timedelta(days=container.settings.inbox_retention_days)
    await purge_handled_deliveries(container.uow(), now - retention)
    async with container.uow() as uow:
        shop_ids = await uow.connections.healthy_shop_ids("shopify")
    stamp = sweep_slot(now, interval)
    for shop_id in shop_ids:
        await container.queue.enqueue("sweep", shop_id, job_id=f"sweep:{shop_id}:{stamp}")


JOBS: dict[str, Callable[..., Awaitable[None]]] = {
    "process_webhooks": process_webhooks,
    "sync_order": sync_order,
    "sync_due_order": sync_due_order,
    "requeue_due_orders": requeue_due_orders,
    "backfill": backfill,
    "sweep": sweep,
    "sweep_all": sweep_all,
}


def sweep_slot(now: datetime, interval_s: float) -> int:
    """Which sweep `now` belongs to, counting intervals from the epoch: one job id per sweep."""
    return int(now.timestamp() // interval_s)


def job_timeout_s(container: Container, name: str) -> float:
    """How long a job of this kind may run: a backfill or a sweep walks a shop's orders in
    Shopify; an order sync is a few QBO calls, and the other jobs get as long."""
    settings = container.settings
    if name in ("backfill", "sweep"):
        return settings.backfill_job_timeout_s
    return settings.sync_job_timeout_s


async def run_job(name: str, container: Container, *args: Any, **kwargs: Any) -> None:
    """Runs the job within its kind's timeout (TimeoutError past it: a crash, retried)."""
    async with asyncio.timeout(job_timeout_s(container, name)):
        await JOBS[name](container, *args, **kwargs)


def bound_jobs(container: Container) -> dict[str, Callable[..., Awaitable[None]]]:
    return {name: partial(run_job, name, container) for name in JOBS}
