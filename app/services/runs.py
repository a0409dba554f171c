"""Manual syncs and ops re-syncs: one selection engine for `POST …/sync` and `…/resync`.

A run queues the records it selects (overriding the sync triggers, remembered on each record
until it posts) and writes down, at once, those it leaves out and why. A date range is read
from Shopify by the backfill job, which feeds each order through the same choice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.domain.entities import RecordFilter, SyncRecord, SyncRun
from app.domain.healing import mapping_key
from app.domain.models import Entity, SyncStatus
from app.domain.order_payload import parse_order
from app.domain.ports import UnitOfWork
from app.domain.selection import MAX_SELECTED, Selection, Skip, is_cancelled, skip_reason


@dataclass
class Chosen:
    """The run's selection so far: record ids queued, and those left out with the reason."""

    queued: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def skip(self, shopify_id: str, reason: Skip) -> None:
        self.skipped.append({"id": shopify_id, "reason": reason})


@dataclass(frozen=True)
class Started:
    run_id: str
    queued: int | None  # None: a date range, whose job finds the orders first
    unknown: list[str]


async def start_run(
    uow: UnitOfWork, shop_id: int, selection: Selection, actor: str, now: datetime, kind: str
) -> Started:
    """Records the run and queues what it selects; a date range is a run of kind backfill,
    whose job reads Shopify."""
    run_id = str(uuid.uuid4())
    params = _params(selection, actor)
    async with uow:
        if selection.by_range:
            run = SyncRun(run_id, shop_id, "backfill", params=params, created_at=now)
            await uow.runs.add(run)
            uow.enqueue_after_commit("backfill", shop_id, run_id, job_id=f"backfill:{run_id}")
            await uow.commit()
            return Started(run_id, None, [])
        chosen, by_id = Chosen(), bool(selection.ids)
        if selection.entity == Entity.product:
            await _choose_products(uow, shop_id, selection, actor, run_id, chosen)
        else:
            for record in await _selected(uow, shop_id, selection, chosen):
                await choose(uow, record, selection, actor, run_id, chosen, by_id=by_id)
        params |= {"selected": chosen.queued, "skipped": chosen.skipped}
        held = [s for s in chosen.skipped if s["reason"] != Skip.unknown]
        found = len(chosen.queued) + len(held)  # records LedgerPort holds among those asked
        run = SyncRun(run_id, shop_id, kind, params=params, created_at=now)
        run.found, run.queued = found, len(chosen.queued)
        await uow.runs.add(run)
        await uow.commit()
    unknown = [s["id"] for s in chosen.skipped if s["reason"] == Skip.unknown]
    return Started(run_id, len(chosen.queued), unknown)


async def choose(
    uow: UnitOfWork,
    record: SyncRecord,
    selection: Selection,
    actor: str,
    run_id: str,
    chosen: Chosen,
    *,
    by_id: bool = False,
    queued_already: bool = False,
) -> None:
    """Queues the order under the run, overriding its triggers until it posts, or notes why
    not. Jobs go out after the caller's commit. `queued_already`: the caller has queued the
    order's sync in this unit of work (a backfill storing a newer state of it); that job reads
    the override from the record, and a second job would work on the order beside it."""
    stored = await uow.orders.get(record.shop_id, record.shopify_id)
    cancelled = stored is not None and is_cancelled(parse_order(stored.payload))
    reason = skip_reason(record.status, cancelled=cancelled, selection=selection, by_id=by_id)
    if reason is not None:
        chosen.skip(record.shopify_id, reason)
        return
    record.status = SyncStatus.pending
    record.force_triggers, record.include_cancelled = True, selection.include_cancelled
    record.next_attempt_at = None
    await uow.records.save(record)
    if not queued_already:
        uow.enqueue_after_commit(
            "sync_order",
            record.shop_id,
            record.shopify_id,
            actor,
            run_id,
            True,
            job_id=f"sync_order:{record.shop_id}:{record.shopify_id}:run:{run_id}",
        )
    chosen.queued.append(record.shopify_id)


async def _selected(
    uow: UnitOfWork, shop_id: int, selection: Selection, chosen: Chosen
) -> list[SyncRecord]:
    if selection.ids:
        records = await uow.records.of_ids(shop_id, Entity.order, selection.ids)
        known = {r.shopify_id for r in records}
        for missing in dict.fromkeys(i for i in selection.ids if i not in known):
            chosen.skip(missing, Skip.unknown)
        return records
    where = RecordFilter(Entity.order, selection.status, selection.error_code)
    return await uow.records.search(shop_id, where, None, MAX_SELECTED)


async def _choose_products(
    uow: UnitOfWork, shop_id: int, selection: Selection, actor: str, run_id: str, chosen: Chosen
) -> None:
    """A product's record is the item LedgerPort creates in QBO while posting an order that
    sells it: syncing it again means queuing the orders in error that wait for it (each
    finds or creates the item again on its way)."""
    if selection.ids:
        products = await uow.records.of_ids(shop_id, Entity.product, selection.ids)
        known = {p.shopify_id for p in products}
        for missing in dict.fromkeys(i for i in selection.ids if i not in known):
            chosen.skip(missing, Skip.unknown)
    else:
        where = RecordFilter(Entity.product, selection.status, selection.error_code)
        products = await uow.records.search(shop_id, where, None, MAX_SELECTED)
    seen: set[str] = set()
    for product in products:
        if product.status == SyncStatus.synced:
            chosen.skip(product.shopify_id, Skip.already_synced)
            continue
        key = mapping_key("product", product.shopify_id)
        orders = [
            o for o in await uow.records.blocked_by(shop_id, {key}) if o.shopify_id not in seen
        ]
        if not orders:
            chosen.skip(product.shopify_id, Skip.nothing_waits)
        for order in orders:
            seen.add(order.shopify_id)
            await choose(uow, order, selection, actor, run_id, chosen, by_id=False)


def _params(selection: Selection, actor: str) -> dict[str, Any]:
    return {
        "entity": selection.entity,
        "ids": list(selection.ids),
        "status": selection.status,
        "error_code": selection.error_code,
        "since": selection.since.isoformat() if selection.since else None,
        "until": selection.until.isoformat() if selection.until else None,
        "include_cancelled": selection.include_cancelled,
        "actor": actor,
    }


def selection_of(params: dict[str, Any]) -> Selection:
    """The selection a run was started with, from its stored parameters."""
    since, until = params.get("since"), params.get("until")
    return Selection(
        entity=params.get("entity", Entity.order),
        ids=tuple(params.get("ids") or ()),
        status=params.get("status"),
        error_code=params.get("error_code"),
        since=datetime.fromisoformat(since) if since else None,
        until=datetime.fromisoformat(until) if until else None,
        include_cancelled=bool(params.get("include_cancelled")),
    )
