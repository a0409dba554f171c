"""Items LedgerPort creates in QBO for products that have none (products.unmatched `create`),
each exactly once, however many orders bring the product at the same time and whatever QBO's
answer lost on the way.

Each such product has a sync record (entity "product", the product key as its Shopify id):
- claim: a mapping saved meanwhile is used as it is; otherwise the record's lease is taken,
  and while another order's job holds it this order's job runs again later (RetryLater);
- find: the active item with the product's SKU, else with its name, is adopted (an earlier
  create whose answer was lost, or the merchant's own item) unless it carries another SKU
  (product_not_mapped naming the clash);
- create: under a requestid stored on the record before the call and replayed while that
  create is in doubt, so QBO answers a create it committed instead of making a second item;
  QBO's "name exists" (6240) is looked up and adopted like a find;
- record: the record synced with the item's id, an automatic product mapping, an audit entry
  for the product. A failure is recorded on the product too, and stops the order.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from app.domain.config import SyncConfig
from app.domain.entities import AuditEntry, Mapping
from app.domain.errors import SyncError, audit_detail
from app.domain.faults import ExternalError
from app.domain.healing import mapping_keys
from app.domain.models import Entity, Order, OrderLine, SyncStatus
from app.domain.policies import classify_external, counts_as_attempt
from app.domain.ports import (
    Clock,
    QboOption,
    QboRef,
    QboSession,
    QuickBooksPort,
    ReferenceData,
    UnitOfWorkFactory,
)
from app.domain.signals import RetryLater
from app.services.healing import requeue_blocked
from app.services.new_items import find_or_create_item, products_to_create

ITEM_REQUESTS = uuid.UUID("3d0f6c52-8b1e-4f7a-a4c9-5e2b7d9f1c38")
LEASE = timedelta(minutes=2)
BUSY_RETRY_S = 2.0  # another job is creating the item: a few QBO calls, then it is mapped
LABEL_MAX = 255


class ItemDeps(Protocol):
    """What creating items needs; the order sync's dependencies have it."""

    @property
    def uow(self) -> UnitOfWorkFactory: ...

    @property
    def qbo(self) -> QuickBooksPort: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def reference(self) -> ReferenceData | None: ...


@dataclass(frozen=True)
class ItemsJob:
    """The order job that needs the items; it holds its order's lease as `worker_id`."""

    shop_id: int
    order: Order
    config: SyncConfig
    actor: str
    run_id: str | None
    worker_id: str

    @property
    def owner(self) -> str:
        """Who holds the product leases: one owner per order and worker, so that two orders'
        jobs in one worker process exclude each other too."""
        return str(uuid.uuid5(ITEM_REQUESTS, f"{self.worker_id}:{self.shop_id}:{self.order.id}"))


@dataclass(frozen=True)
class _Claimed:
    record_id: int
    attempts: int
    pending_request_id: str | None


@dataclass(frozen=True)
class _Outcome:
    item: QboRef | None = None
    adopted: bool = False  # the item was already in QBO
    error: SyncError | None = None


async def ensure_items(
    deps: ItemDeps, session: QboSession, job: ItemsJob, mappings: dict[str, str]
) -> dict[str, str]:
    """`mappings` (product key -> QBO item id) with, under unmatched `create`, an item for
    every product of the order that had none. Raises SyncError or ExternalError for what
    stops an item (recorded on the product first), RetryLater while another job is creating
    one of them."""
    wanted = await products_to_create(deps.reference, session, job.order, job.config, mappings)
    if not wanted:
        return mappings
    found = dict(mappings)
    for key, line in wanted.items():
        found[key] = await _ensure(deps, session, job, key, line)
    return found


async def _ensure(
    deps: ItemDeps, session: QboSession, job: ItemsJob, key: str, line: OrderLine
) -> str:
    claimed = await _claim(deps, job, key, line)
    if isinstance(claimed, str):
        return claimed
    started = time.monotonic()
    try:
        item, adopted = await _find_or_create(deps, session, job, claimed, key, line)
    except (SyncError, ExternalError) as exc:
        error = exc if isinstance(exc, SyncError) else classify_external(exc)
        await _record(deps, job, key, line, _Outcome(error=error), started)
        raise
    await _record(deps, job, key, line, _Outcome(item, adopted), started)
    return item.id


async def _claim(deps: ItemDeps, job: ItemsJob, key: str, line: OrderLine) -> _Claimed | str:
    """The product's lease, or the QBO id a mapping already gives it."""
    async with deps.uow() as uow:
        mapped = await uow.mappings.get(job.shop_id, "product", key)
        if mapped is not None:
            return mapped.qbo_id
        label = line.name[:LABEL_MAX]
        record = await uow.records.get_or_create(
            job.shop_id, Entity.product, key, label=label, status=SyncStatus.pending
        )
        now = deps.clock()
        taken = await uow.records.acquire_lease(record.id, job.owner, now, now + LEASE)
        if taken:
            await uow.commit()
    if not taken:
        await _let_go_of_order(deps, job)
        raise RetryLater(BUSY_RETRY_S, f"another job is creating the item for {key}")
    # Read again under the lease: the job that held it may have finished in between.
    async with deps.uow() as uow:
        mapped = await uow.mappings.get(job.shop_id, "product", key)
        held = await uow.records.get(job.shop_id, Entity.product, key)
        assert held is not None
        if mapped is None:
            return _Claimed(held.id, held.attempts, held.pending_request_id)
        held.lease_owner = held.lease_until = None
        await uow.records.save(held)
        await uow.commit()
    return mapped.qbo_id


async def _let_go_of_order(deps: ItemDeps, job: ItemsJob) -> None:
    """The order's job waits for another job's item: it lets go of its order meanwhile, so
    that any worker may run it again (the lease is released whenever a job stops)."""
    async with deps.uow() as uow:
        record = await uow.records.get(job.shop_id, Entity.order, job.order.id)
        if record is not None and record.lease_owner == job.worker_id:
            record.lease_owner = record.lease_until = None
            await uow.records.save(record)
            await uow.commit()


async def _find_or_create(
    deps: ItemDeps, session: QboSession, job: ItemsJob, claimed: _Claimed, key: str, line: OrderLine
) -> tuple[QboRef, bool]:
    """The product's item, and whether it was already in QBO."""

    async def request_id(body: dict[str, Any]) -> str:
        return await _request_id(deps, session, claimed, key, body)

    order, config = job.order, job.config
    return await find_or_create_item(deps.qbo, session, order, config, key, line, request_id)


async def _request_id(
    deps: ItemDeps, session: QboSession, claimed: _Claimed, key: str, body: dict[str, Any]
) -> str:
    """The create's requestid, stored on the record before the call.

    While a create is in doubt (sent, no answer recorded) its id is replayed, whichever
    order asks: QBO answers a replayed id with the first answer instead of creating again.
    Once QBO has answered (an item, or a fault) the record's attempts have moved on and the
    next create goes out under a new id, as QBO would replay a fault too.
    """
    if claimed.pending_request_id:
        return claimed.pending_request_id
    rid = str(uuid.uuid5(ITEM_REQUESTS, f"{session.realm_id}:{key}:{claimed.attempts}"))
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    async with deps.uow() as uow:
        await uow.records.remember_request(claimed.record_id, rid, digest)
        await uow.commit()
    return rid


async def _record(
    deps: ItemDeps, job: ItemsJob, key: str, line: OrderLine, outcome: _Outcome, started: float
) -> None:
    """The outcome on the product's record and in the audit log; an item gets its mapping."""
    item, error = outcome.item, outcome.error
    async with deps.uow() as uow:
        record = await uow.records.get(job.shop_id, Entity.product, key)
        assert record is not None
        if error is None or counts_as_attempt(error.code):
            record.attempts += 1
        record.status = SyncStatus.synced if item is not None else SyncStatus.error
        record.error_code = error.code if error else None
        record.message = error.message if error else None
        record.last_attempt_at = deps.clock()
        record.next_attempt_at = None  # the order's job tries the product again
        record.lease_owner = record.lease_until = None
        if item is not None or (error is not None and error.fault is not None):
            record.pending_request_id = record.pending_payload_hash = None  # QBO answered
        if item is not None:
            record.qbo_id = item.id
            label = line.name[:LABEL_MAX]
            await uow.mappings.put(
                Mapping(job.shop_id, "product", key, item.id, label, item.name, "auto")
            )
            await requeue_blocked(uow, job.shop_id, mapping_keys("product", [key]), job.actor)
        await uow.records.save(record)
        await uow.audit.add(_entry(job, key, line, outcome, started))
        await uow.commit()


def _entry(
    job: ItemsJob, key: str, line: OrderLine, outcome: _Outcome, started: float
) -> AuditEntry:
    item, error = outcome.item, outcome.error
    detail = audit_detail(error) or {}
    detail |= {"order": job.order.name, "order_id": job.order.id, "sku": line.sku}
    return AuditEntry(
        shop_id=job.shop_id,
        entity=Entity.product,
        shopify_id=key,
        label=line.name[:LABEL_MAX],
        status=SyncStatus.synced if item is not None else SyncStatus.error,
        actor=job.actor,
        error_code=error.code if error else None,
        message=error.message if error else _synced_message(item, outcome.adopted),
        detail=detail,
        qbo_id=item.id if item else None,
        run_id=job.run_id,
        duration_ms=int((time.monotonic() - started) * 1000),
    )


def _synced_message(item: QboRef | None, adopted: bool) -> str:
    assert item is not None
    if adopted:
        sku = f", SKU {item.sku}" if isinstance(item, QboOption) and item.sku else ""
        return f'Found QuickBooks item "{item.name}" (id {item.id}{sku}) and mapped the product'
    return f'Created QuickBooks item "{item.name}" (id {item.id}) and mapped the product'
