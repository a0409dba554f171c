"""Job bodies, independent of the queue that runs them. Each may raise RetryLater."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from app.bootstrap import Container
from app.domain.models import Actor
from app.services.sync_order import sync_order as sync_order_service
from app.services.webhooks import process_delivery


async def process_webhook(container: Container, delivery_id: int, *, attempt: int = 1) -> None:
    await process_delivery(container.uow(), delivery_id)


async def sync_order(
    container: Container,
    shop_id: int,
    shopify_id: str,
    actor: str,
    run_id: str | None = None,
    *,
    attempt: int = 1,
) -> None:
    """`attempt` counts the queue's tries: every run after the first is an automatic retry."""
    actor = Actor.auto_retry if attempt > 1 else actor
    await sync_order_service(container.sync_deps, shop_id, shopify_id, actor, run_id)


JOBS: dict[str, Callable[..., Awaitable[None]]] = {
    "process_webhook": process_webhook,
    "sync_order": sync_order,
}


def bound_jobs(container: Container) -> dict[str, Callable[..., Awaitable[None]]]:
    return {name: partial(job, container) for name, job in JOBS.items()}
