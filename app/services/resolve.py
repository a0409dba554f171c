"""Resolving: a person closes a record's error without syncing it (for a duplicate, naming
the QBO transaction it corresponds to). Nothing is written to QBO, and the record is not
synced again unless someone syncs it by hand."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.domain.config import SyncConfig
from app.domain.entities import ApiKey, AuditEntry, SyncRecord
from app.domain.models import SyncStatus
from app.domain.order_payload import parse_order
from app.domain.ports import QboDocument, UnitOfWork
from app.domain.signals import Conflict, InvalidReference, NotFound
from app.domain.translate import doc_number
from app.services.healing import actor_of, who

# Reads a QBO sales receipt by Id (None: there is none).
FindReceipt = Callable[[str], Awaitable[QboDocument | None]]


async def resolve_record(
    uow: UnitOfWork,
    shop_id: int,
    entity: str,
    shopify_id: str,
    note: str,
    qbo_txn_id: str | None,
    key: ApiKey | None,
    find_receipt: FindReceipt | None = None,
) -> SyncRecord:
    """A named QBO transaction must exist and carry the order's document number (a receipt of
    another order, or none, is a 422 naming qbo_txn_id)."""
    async with uow:
        record = await uow.records.get(shop_id, entity, shopify_id)
        if record is None:
            raise NotFound(f"no {entity} record {shopify_id}", "id")
        if record.status == SyncStatus.synced:
            raise Conflict("the record is synced: there is no error to resolve", "id")
        if record.status == SyncStatus.resolved:
            raise Conflict("the record is resolved already; its history has the note", "id")
        expected = None
        if qbo_txn_id and find_receipt is not None:
            expected = await _doc_number(uow, shop_id, record)
            await _check_receipt(find_receipt, qbo_txn_id, expected)
        record.status = SyncStatus.resolved
        if qbo_txn_id:
            record.qbo_id, record.qbo_doc_number = qbo_txn_id, expected
        record.next_attempt_at = None
        await uow.records.save(record)
        await uow.records.set_blockers(record, ())
        detail = {"note": note, "qbo_txn_id": qbo_txn_id, "error_code": record.error_code}
        entry = AuditEntry(
            shop_id=shop_id,
            entity=entity,
            shopify_id=shopify_id,
            label=record.label,
            status=SyncStatus.resolved,
            actor=actor_of(key),
            error_code=record.error_code,
            message=f"Resolved without syncing: {note}",
            detail={**detail, **who(key)},
            qbo_id=qbo_txn_id,
        )
        await uow.audit.add(entry)
        await uow.commit()
    return record


async def _doc_number(uow: UnitOfWork, shop_id: int, record: SyncRecord) -> str | None:
    stored = await uow.orders.get(shop_id, record.shopify_id) if record.entity == "order" else None
    if stored is None:
        return None
    config = SyncConfig.from_dict(await uow.configs.get(shop_id))
    return doc_number(parse_order(stored.payload), config.orders.doc_number_prefix)


async def _check_receipt(find: FindReceipt, qbo_id: str, expected: str | None) -> None:
    found = await find(qbo_id)
    if found is None:
        raise InvalidReference(f"QuickBooks has no sales receipt {qbo_id}", "qbo_txn_id")
    if expected is not None and found.doc_number != expected:
        raise InvalidReference(
            f"QuickBooks sales receipt {qbo_id} is {found.doc_number}, not this order's {expected}",
            "qbo_txn_id",
        )
