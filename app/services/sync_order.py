"""Sync one Shopify order to a QBO sales receipt, exactly once."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial

from app.domain.config import SyncConfig
from app.domain.entities import COMPANY_MISMATCH, QUICKBOOKS, AuditEntry, SyncRecord
from app.domain.errors import ErrorCode, SyncError, audit_detail
from app.domain.faults import ExternalError, ExternalRejected
from app.domain.healing import blockers_of
from app.domain.idempotency import CreateFate, settles_doubt
from app.domain.models import Actor, Entity, Order, SyncStatus
from app.domain.order_payload import parse_order
from app.domain.policies import (
    classify_external,
    counts_as_attempt,
    missing_billing_address,
    on_hold_error,
    retry_delay,
)
from app.domain.ports import (
    Clock,
    QboDocument,
    QboSession,
    QuickBooksPort,
    ReferenceData,
    ShopifyOrdersPort,
    UnitOfWorkFactory,
)
from app.domain.selection import is_cancelled
from app.domain.signals import RetryLater
from app.domain.translate import INVOICE
from app.services.backfill import ShopifySessions
from app.services.connections import TokenKeeper, mark_unhealthy
from app.services.customers import learn_customer, record_created_customer
from app.services.lease import heartbeat
from app.services.pending import is_due
from app.services.posting import (
    CreateTrace,
    LastCreate,
    post_payments,
    post_receipt,
    posted_detail,
    posted_message,
)
from app.services.products import ItemsJob, ensure_items
from app.services.receipts import Prepared, money_side, prepare_documents
from app.services.references import check_order
from app.services.tenders import tenders_of

BUSY_RETRY_S = 5.0


@dataclass(frozen=True)
class SyncDeps:
    uow: UnitOfWorkFactory
    qbo: QuickBooksPort
    tokens: TokenKeeper
    clock: Clock
    worker_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    retry_base_s: float = 30.0  # the first wait after QBO did not answer
    reference: ReferenceData | None = None  # checks the settings' QBO records before posting
    # A job holds its order's record for `lease_s` and renews it every `heartbeat_s` while it
    # runs: a worker killed mid-job frees the order one lease later (see services/pending).
    lease_s: float = 30.0
    heartbeat_s: float = 10.0
    # Where a split tender's parts are read (the order's transactions in Shopify); without
    # them an order's tenders are what its webhook says.
    shopify: ShopifyOrdersPort | None = None
    shopify_sessions: ShopifySessions | None = None


@dataclass(frozen=True)
class _Job:
    shop_id: int
    shopify_id: str
    actor: str
    run_id: str | None
    force: bool
    only_if_due: bool = False
    # The lease's owner: this job alone, so that two jobs of one worker never share it.
    owner: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class _Loaded:
    order: Order
    config: SyncConfig
    products: dict[str, str]
    customers: dict[str, str]
    tax_rates: dict[str, str]  # "title|rate" -> QBO tax code, consulted in line-item mode
    last: LastCreate
    created_customers: list[str] = field(default_factory=list)  # by this attempt, in QBO
    force_triggers: bool = False  # a manual sync asked for it, remembered until it posts
    include_cancelled: bool = False


@dataclass(frozen=True)
class _Outcome:
    status: SyncStatus
    document: QboDocument | None = None
    error: SyncError | None = None
    create: CreateFate = CreateFate.unsent
    trace: CreateTrace | None = None  # what was built and posted (an adoption, payments)


async def sync_order(
    deps: SyncDeps,
    shop_id: int,
    shopify_id: str,
    actor: str = Actor.webhook,
    run_id: str | None = None,
    force: bool = False,
    *,
    only_if_due: bool = False,
) -> SyncStatus | None:
    """Posts the order unless it is already synced; records the attempt either way. With
    `only_if_due` (the re-queue pass's jobs), only a record still pending or due is tried.

    Raises RetryLater when the job should run again (lease busy, QBO down, throttled).
    """
    job = _Job(shop_id, str(shopify_id), actor, run_id, force, only_if_due)
    started = time.monotonic()
    loaded = await _claim(deps, job)
    if loaded is None:
        return None
    beat = partial(heartbeat, deps.uow, deps.clock, lease_s=deps.lease_s, every_s=deps.heartbeat_s)
    async with beat(loaded.last.record_id, job.owner):
        outcome = await _attempt(deps, job, loaded)
    delay = await _record(deps, job, loaded, outcome, int((time.monotonic() - started) * 1000))
    if delay is not None:
        raise RetryLater(delay, f"{outcome.error.code if outcome.error else ''}")
    return outcome.status


async def _claim(deps: SyncDeps, job: _Job) -> _Loaded | None:
    async with deps.uow() as uow:
        record = await uow.records.get(job.shop_id, Entity.order, job.shopify_id)
        row = await uow.orders.get(job.shop_id, job.shopify_id)
        shop = await uow.shops.get(job.shop_id)
        if shop is None or shop.uninstalled_at is not None:
            return None  # the record stays pending; a reinstall picks it up
        if record is None or row is None or record.status == SyncStatus.synced:
            return None
        if record.status == SyncStatus.resolved and not job.force:
            return None  # a person closed it; only a manual sync posts it
        now = deps.clock()
        if job.only_if_due and not is_due(record, now):
            return None  # another job tried it since the pass saw it: its retry has a time
        config = SyncConfig.from_dict(await uow.configs.get(job.shop_id))
        until = now + timedelta(seconds=deps.lease_s)
        if not await uow.records.acquire_lease(record.id, job.owner, now, until):
            raise RetryLater(BUSY_RETRY_S, "another worker is syncing this order")
        loaded = _Loaded(
            order=parse_order(row.payload, money_side(config)),
            config=config,
            products=await uow.mappings.as_dict(job.shop_id, "product"),
            customers=await uow.mappings.as_dict(job.shop_id, "customer"),
            tax_rates=await uow.mappings.as_dict(job.shop_id, "tax_rate"),
            last=LastCreate(
                record.id, record.attempts, record.pending_request_id, record.pending_payload_hash
            ),
            force_triggers=record.force_triggers,
            include_cancelled=record.include_cancelled,
        )
        await uow.commit()
    return loaded


async def _attempt(deps: SyncDeps, job: _Job, loaded: _Loaded) -> _Outcome:
    trace = CreateTrace()
    try:
        hold = _hold(job, loaded)
        if problem := hold or missing_billing_address(loaded.order, loaded.config.customers):
            raise problem
        # A token QBO refuses before its hour is up is renewed once and the steps run again:
        # they only read, and the create replays its requestid.
        sync = partial(_sync, deps, job, loaded, trace)
        document = await deps.tokens.call(job.shop_id, sync)
        return _Outcome(SyncStatus.synced, document, create=trace.fate, trace=trace)
    except SyncError as error:
        status = SyncStatus.on_hold if error.code == ErrorCode.on_hold else SyncStatus.error
        return _Outcome(status, error=error, create=trace.fate)
    except ExternalError as exc:
        return _Outcome(SyncStatus.error, error=classify_external(exc), create=trace.fate)


def _hold(job: _Job, loaded: _Loaded) -> SyncError | None:
    """A manual sync overrides the triggers, but a cancelled or voided order posts only when
    the sync asked for it (include_cancelled)."""
    order = loaded.order
    if not (job.force or loaded.force_triggers):
        return on_hold_error(order, loaded.config.orders)
    if is_cancelled(order) and not loaded.include_cancelled:
        message = (
            f"Order {order.name} was cancelled or voided in Shopify; a manual sync posts it "
            "only with include_cancelled."
        )
        return SyncError(ErrorCode.on_hold, message)
    return None


async def _sync(
    deps: SyncDeps, job: _Job, loaded: _Loaded, trace: CreateTrace, session: QboSession
) -> QboDocument:
    order, config = loaded.order, loaded.config
    asker = ItemsJob(job.shop_id, order, config, job.actor, job.run_id, job.owner)
    loaded = replace(loaded, products=await ensure_items(deps, session, asker, loaded.products))
    await _check_settings(deps, session, loaded)
    prepared = await _prepare(deps, session, loaded, job.shop_id)
    trace.prepared = prepared
    try:
        document, trace.adopted = await post_receipt(
            deps.qbo, deps.uow, session, prepared, loaded.last, trace
        )
        if prepared.entity == INVOICE:
            trace.payments = await post_payments(
                deps.qbo, session, order, prepared, document, config, adopted=trace.adopted
            )
    except ExternalRejected:
        # A setting's record may have been retired in QBO since we cached it: name it.
        await _check_settings(deps, session, loaded, fresh=True)
        raise
    return document


async def _check_settings(
    deps: SyncDeps, session: QboSession, loaded: _Loaded, *, fresh: bool = False
) -> None:
    if deps.reference is not None:
        order, config = loaded.order, loaded.config
        await check_order(deps.reference, session, order, config, loaded.products, fresh=fresh)


async def _prepare(deps: SyncDeps, session: QboSession, loaded: _Loaded, shop_id: int) -> Prepared:
    order = loaded.order
    return await prepare_documents(
        deps.qbo,
        session,
        order,
        loaded.config,
        products=loaded.products,
        customers=loaded.customers,
        tax_rates=loaded.tax_rates,
        tenders=await tenders_of(deps.shopify, deps.shopify_sessions, shop_id, order),
        created=loaded.created_customers,
    )


async def _record(
    deps: SyncDeps, job: _Job, loaded: _Loaded, outcome: _Outcome, duration_ms: int
) -> float | None:
    """Writes the outcome to the sync record and the audit log; returns the retry delay."""
    async with deps.uow() as uow:
        record = await uow.records.get(job.shop_id, Entity.order, job.shopify_id)
        assert record is not None
        tried_before = record.last_attempt_at is not None
        delay = _apply(record, outcome, deps.clock(), deps.retry_base_s)
        await uow.records.save(record)
        blockers = blockers_of(outcome.error) if outcome.error else frozenset()
        if blockers or tried_before:  # a first try that synced has nothing to clear
            await uow.records.set_blockers(record, blockers)
        error = outcome.error
        for qbo_id in loaded.created_customers:
            await record_created_customer(uow, job.shop_id, loaded.order, qbo_id, job.actor)
        if outcome.document is not None:
            order, config = loaded.order, loaded.config
            await learn_customer(
                uow, job.shop_id, order, config, loaded.customers, outcome.document
            )
        if error is not None and error.code == ErrorCode.qbo_auth:
            connection = await uow.connections.get(job.shop_id, QUICKBOOKS)
            # A held connection stays held: a person has to decide which company it is.
            if connection is not None and connection.status != COMPANY_MISMATCH:
                mark_unhealthy(connection, error.message)
                await uow.connections.save(connection)
        entry = AuditEntry(
            shop_id=job.shop_id,
            entity=Entity.order,
            shopify_id=job.shopify_id,
            label=loaded.order.name,
            status=outcome.status,
            error_code=error.code if error else None,
            message=error.message if error else posted_message(outcome.document, outcome.trace),
            detail=audit_detail(error) if error else posted_detail(outcome.document, outcome.trace),
            qbo_id=outcome.document.id if outcome.document else None,
            actor=job.actor,
            run_id=job.run_id,
            duration_ms=duration_ms,
        )
        await uow.audit.add(entry)
        await uow.commit()
    return delay


def _apply(record: SyncRecord, outcome: _Outcome, now: datetime, base_s: float) -> float | None:
    error = outcome.error
    # A create the books answered spent its requestid: the attempt counts even when what
    # followed did not (a throttled look-up after a 6140), so the next create gets a new id.
    if error is None or counts_as_attempt(error.code) or outcome.create == CreateFate.answered:
        record.attempts += 1
    delay = retry_delay(error, record.attempts, base=base_s) if error is not None else None
    record.status = outcome.status
    record.error_code = error.code if error else None
    record.message = error.message if error else None
    record.last_attempt_at = now
    record.next_attempt_at = now + timedelta(seconds=delay) if delay is not None else None
    record.lease_owner = record.lease_until = None
    if outcome.document is not None or settles_doubt(outcome.create):
        record.pending_request_id = record.pending_payload_hash = None
    if outcome.document is not None:
        record.force_triggers = record.include_cancelled = False  # posted: the override is spent
        record.qbo_id = outcome.document.id
        record.qbo_doc_number = outcome.document.doc_number
        prepared = outcome.trace.prepared if outcome.trace else None
        record.qbo_entity = prepared.entity if prepared else None
    return delay
