"""Orders that no webhook brought: a backfill over a date range, and the periodic sweep.

Shopify does not guarantee delivery, so the sweep lists what changed since the last sweep and
feeds whatever LedgerPort lacks (or holds an older state of) through the webhook path. A
backfill (a manual sync by date range) does the same, then syncs every order of the range it
read like a manual sync by id would: those in error or on hold included (app/services/runs.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from app.domain.entities import SyncRun
from app.domain.models import Actor, Entity, InvalidPayload, SyncStatus
from app.domain.order_payload import parse_order
from app.domain.ports import Clock, ShopifyOrdersPort, UnitOfWorkFactory
from app.domain.selection import Selection
from app.services.orders import store_order
from app.services.runs import Chosen, choose, selection_of

# Webhooks can arrive late and clocks drift: each sweep looks a little behind the last one.
SWEEP_OVERLAP = timedelta(minutes=10)
FIRST_SWEEP_LOOKBACK = timedelta(days=1)


class ShopifySessionLike(Protocol):
    @property
    def shop(self) -> str: ...

    @property
    def access_token(self) -> str: ...


class ShopifySessions(Protocol):
    async def session(self, shop_id: int) -> ShopifySessionLike: ...


@dataclass(frozen=True)
class BackfillDeps:
    uow: UnitOfWorkFactory
    shopify: ShopifyOrdersPort
    sessions: ShopifySessions
    clock: Clock
    on_caught: Callable[[int], None] = lambda n: None  # the sweep's catch-count metric


async def run_backfill(deps: BackfillDeps, shop_id: int, run_id: str) -> None:
    async with deps.uow() as uow:
        run = await uow.runs.get(shop_id, run_id)
        if run is None or run.status != "running":
            return
        selection = selection_of(run.params)
        actor = run.params.get("actor", Actor.manual)
    assert selection.since is not None and selection.until is not None
    # A date range can hold thousands of orders: one bulk export costs a few queries where
    # paging full orders would wait on the cost bucket for most of an hour.
    since, until = selection.since, selection.until
    await _feed(deps, shop_id, run_id, since, until, actor, bulk=True, selection=selection)


async def sweep(deps: BackfillDeps, shop_id: int) -> int:
    """Feeds what changed in Shopify since the last sweep and LedgerPort lacks; returns the
    number of orders it caught."""
    until = deps.clock()
    async with deps.uow() as uow:
        last = await uow.runs.last_done(shop_id, "sweep")
        since = (
            datetime.fromisoformat(last.params["until"]) - SWEEP_OVERLAP
            if last is not None
            else until - FIRST_SWEEP_LOOKBACK
        )
        run_id = str(uuid.uuid4())
        params = {"since": since.isoformat(), "until": until.isoformat()}
        sweep_run = SyncRun(run_id, shop_id, "sweep", params=params, created_at=until)
        await uow.runs.add(sweep_run)
        await uow.commit()
    caught = await _feed(deps, shop_id, run_id, since, until, Actor.system)
    deps.on_caught(caught)
    return caught


async def _feed(
    deps: BackfillDeps,
    shop_id: int,
    run_id: str,
    since: datetime,
    until: datetime,
    actor: str,
    *,
    bulk: bool = False,
    selection: Selection | None = None,
) -> int:
    found = fed = 0
    chosen = Chosen() if selection is not None else None
    try:
        session = await deps.sessions.session(shop_id)
        read = deps.shopify.bulk_orders if bulk else deps.shopify.orders_updated_between
        orders = read(session.shop, session.access_token, since, until)
        async for payload in orders:
            found += 1
            fed += await _feed_one(deps, shop_id, payload, actor, run_id, selection, chosen)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        await _finish(deps, shop_id, run_id, found, fed, error, chosen)
        raise
    await _finish(deps, shop_id, run_id, found, fed, None, chosen)
    return fed


async def _feed_one(
    deps: BackfillDeps,
    shop_id: int,
    payload: dict[str, Any],
    actor: str,
    run_id: str,
    selection: Selection | None = None,
    chosen: Chosen | None = None,
) -> int:
    async with deps.uow() as uow:
        try:
            order = parse_order(payload)
        except InvalidPayload:
            return 0
        known = await uow.orders.get(shop_id, order.id)
        stale = known is None or (
            order.updated_at is not None
            and known.shopify_updated_at is not None
            and order.updated_at > known.shopify_updated_at
        )
        record = await uow.records.get(shop_id, Entity.order, order.id)
        # store_order queues the sync of a newer state unless the order is synced or resolved.
        settled = record is not None and record.status in (SyncStatus.synced, SyncStatus.resolved)
        fed = stale and await store_order(uow, shop_id, payload, actor, run_id)
        if selection is not None and chosen is not None:
            record = await uow.records.get(shop_id, Entity.order, order.id)
            if record is not None:
                queued = bool(fed) and not settled
                await choose(uow, record, selection, actor, run_id, chosen, queued_already=queued)
        await uow.commit()
    return 1 if fed else 0


async def _finish(
    deps: BackfillDeps,
    shop_id: int,
    run_id: str,
    found: int,
    fed: int,
    error: str | None,
    chosen: Chosen | None = None,
) -> None:
    """A sweep is done once read; a backfill once every order it queued has an outcome (the
    run's report says when), unless reading Shopify failed."""
    async with deps.uow() as uow:
        run = await uow.runs.get(shop_id, run_id)
        if run is not None:
            run.found, run.queued, run.error = found, fed, error
            if chosen is not None:
                run.queued = len(chosen.queued)
                run.params = {**run.params, "selected": chosen.queued, "skipped": chosen.skipped}
            if error or chosen is None:
                run.status, run.finished_at = ("failed" if error else "done"), deps.clock()
            await uow.runs.save(run)
            await uow.commit()
