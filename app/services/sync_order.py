"""Sync one Shopify order to a QBO sales receipt, exactly once."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from app.domain.config import SyncConfig
from app.domain.entities import QUICKBOOKS, AuditEntry, SyncRecord
from app.domain.errors import ErrorCode, SyncError, audit_detail
from app.domain.faults import ExternalError, ExternalRejected
from app.domain.healing import blockers_of
from app.domain.models import Actor, Entity, Order, SyncStatus, parse_order
from app.domain.policies import (
    adopt_existing,
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
    UnitOfWorkFactory,
)
from app.domain.signals import RetryLater
from app.services.connections import TokenKeeper, mark_unhealthy
from app.services.customers import learn_customer, record_created_customer
from app.services.products import ItemsJob, ensure_items
from app.services.receipts import sales_receipt_payload
from app.services.references import check_order

LEASE = timedelta(minutes=2)
REQUEST_IDS = uuid.UUID("6f1c0b7e-2f55-4b7a-9a51-3c1f1d1e5a10")
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


@dataclass(frozen=True)
class _Job:
    shop_id: int
    shopify_id: str
    actor: str
    run_id: str | None
    force: bool


@dataclass(frozen=True)
class _Loaded:
    order: Order
    config: SyncConfig
    products: dict[str, str]
    customers: dict[str, str]
    tax_rates: dict[str, str]  # "title|rate" -> QBO tax code, consulted in line-item mode
    record_id: int
    attempts: int
    pending_request_id: str | None
    pending_payload_hash: str | None
    created_customers: list[str] = field(default_factory=list)  # by this attempt, in QBO

    @property
    def uncertain(self) -> bool:
        """A create was sent and its outcome never recorded: it may exist in QBO."""
        return self.pending_request_id is not None


@dataclass(frozen=True)
class _Outcome:
    status: SyncStatus
    document: QboDocument | None = None
    error: SyncError | None = None
    adopted: bool = False  # an existing QBO receipt was recognised as this order's


async def sync_order(
    deps: SyncDeps,
    shop_id: int,
    shopify_id: str,
    actor: str = Actor.webhook,
    run_id: str | None = None,
    force: bool = False,
) -> SyncStatus | None:
    """Posts the order unless it is already synced; records the attempt either way.

    Raises RetryLater when the job should run again (lease busy, QBO down, throttled).
    """
    job = _Job(shop_id, str(shopify_id), actor, run_id, force)
    started = time.monotonic()
    loaded = await _claim(deps, job)
    if loaded is None:
        return None
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
        if not await uow.records.acquire_lease(record.id, deps.worker_id, now, now + LEASE):
            raise RetryLater(BUSY_RETRY_S, "another worker is syncing this order")
        loaded = _Loaded(
            order=parse_order(row.payload),
            config=SyncConfig.from_dict(await uow.configs.get(job.shop_id)),
            products=await uow.mappings.as_dict(job.shop_id, "product"),
            customers=await uow.mappings.as_dict(job.shop_id, "customer"),
            tax_rates=await uow.mappings.as_dict(job.shop_id, "tax_rate"),
            record_id=record.id,
            attempts=record.attempts,
            pending_request_id=record.pending_request_id,
            pending_payload_hash=record.pending_payload_hash,
        )
        await uow.commit()
    return loaded


async def _attempt(deps: SyncDeps, job: _Job, loaded: _Loaded) -> _Outcome:
    try:
        hold = None if job.force else on_hold_error(loaded.order, loaded.config.orders)
        if problem := hold or missing_billing_address(loaded.order, loaded.config.customers):
            raise problem
        session = await deps.tokens.session(job.shop_id)
        asker = ItemsJob(
            job.shop_id, loaded.order, loaded.config, job.actor, job.run_id, deps.worker_id
        )
        loaded = replace(loaded, products=await ensure_items(deps, session, asker, loaded.products))
        settings = (deps.reference, session, loaded.order, loaded.config, loaded.products)
        await check_order(*settings)
        payload = await _payload(deps, session, loaded)
        try:
            document, adopted = await _post(deps, session, loaded, payload)
        except ExternalRejected:
            # A setting's record may have been retired in QBO since we cached it: name it.
            await check_order(*settings, fresh=True)
            raise
        return _Outcome(SyncStatus.synced, document=document, adopted=adopted)
    except SyncError as error:
        status = SyncStatus.on_hold if error.code == ErrorCode.on_hold else SyncStatus.error
        return _Outcome(status, error=error)
    except ExternalError as exc:
        return _Outcome(SyncStatus.error, error=classify_external(exc))


async def _payload(deps: SyncDeps, session: QboSession, loaded: _Loaded) -> dict[str, Any]:
    return await sales_receipt_payload(
        deps.qbo,
        session,
        loaded.order,
        loaded.config,
        products=loaded.products,
        customers=loaded.customers,
        tax_rates=loaded.tax_rates,
        created=loaded.created_customers,
    )


async def _post(
    deps: SyncDeps, session: QboSession, loaded: _Loaded, payload: dict[str, Any]
) -> tuple[QboDocument, bool]:
    """The receipt in QBO, and whether it already existed there."""
    doc_number = str(payload["DocNumber"])
    if loaded.uncertain:
        # The last attempt may have committed in QBO without us hearing back.
        existing = await deps.qbo.find_sales_receipt(session, doc_number=doc_number)
        if existing is not None:
            return adopt_existing(existing, loaded.order, payload), True
    rid = await _request_id(deps, loaded, payload)
    try:
        return await deps.qbo.create_sales_receipt(session, payload, request_id=rid), False
    except ExternalRejected as exc:
        if not any(fault.code == "6140" for fault in exc.faults):
            raise
        existing = await deps.qbo.find_sales_receipt(session, doc_number=doc_number)
        if existing is None:
            raise
        return adopt_existing(existing, loaded.order, payload), True


async def _request_id(deps: SyncDeps, loaded: _Loaded, payload: dict[str, Any]) -> str:
    """The QBO requestid, stored before the call so a crash or timeout can replay it.

    Deterministic: the same logical write (record, payload, attempt) always sends the same id.
    An unanswered create of the same payload replays its id; after QBO answered with a
    fault the attempt count has moved on, so a fixed order goes out under a new id (QBO
    would answer a replayed id with its first response, fault included).
    """
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    if loaded.pending_request_id and loaded.pending_payload_hash == digest:
        return loaded.pending_request_id
    rid = str(uuid.uuid5(REQUEST_IDS, f"{loaded.record_id}:{loaded.attempts}:{digest}"))
    async with deps.uow() as uow:
        await uow.records.remember_request(loaded.record_id, rid, digest)
        await uow.commit()
    return rid


async def _record(
    deps: SyncDeps, job: _Job, loaded: _Loaded, outcome: _Outcome, duration_ms: int
) -> float | None:
    """Writes the outcome to the sync record and the audit log; returns the retry delay."""
    async with deps.uow() as uow:
        record = await uow.records.get(job.shop_id, Entity.order, job.shopify_id)
        assert record is not None
        delay = _apply(record, outcome, deps.clock(), deps.retry_base_s)
        await uow.records.save(record)
        blockers = blockers_of(outcome.error) if outcome.error else frozenset()
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
            if connection is not None:
                mark_unhealthy(connection, error.message)
                await uow.connections.save(connection)
        entry = AuditEntry(
            shop_id=job.shop_id,
            entity=Entity.order,
            shopify_id=job.shopify_id,
            label=loaded.order.name,
            status=outcome.status,
            error_code=error.code if error else None,
            message=error.message if error else _synced_message(outcome),
            detail=audit_detail(error),
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
    if error is None or counts_as_attempt(error.code):
        record.attempts += 1
    delay = retry_delay(error, record.attempts, base=base_s) if error is not None else None
    record.status = outcome.status
    record.error_code = error.code if error else None
    record.message = error.message if error else None
    record.last_attempt_at = now
    record.next_attempt_at = now + timedelta(seconds=delay) if delay is not None else None
    record.lease_owner = record.lease_until = None
    # QBO answered (a document or a fault): the create is no longer in doubt.
    if outcome.document is not None or (error is not None and error.fault is not None):
        record.pending_request_id = record.pending_payload_hash = None
    if outcome.document is not None:
        record.qbo_id = outcome.document.id
        record.qbo_doc_number = outcome.document.doc_number
    return delay


def _synced_message(outcome: _Outcome) -> str:
    document = outcome.document
    assert document is not None
    verb = "Found the matching" if outcome.adopted else "Created"
    return f"{verb} QuickBooks sales receipt {document.doc_number} (id {document.id})"
