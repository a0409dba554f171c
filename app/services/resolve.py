"""Resolving: a person closes a record's error without syncing it (for a duplicate, naming
the QBO transaction it corresponds to). Nothing is written to QBO, and the record is not
synced again unless someone syncs it by hand."""

from __future__ import annotations

from app.domain.entities import ApiKey, AuditEntry, SyncRecord
from app.domain.models import SyncStatus
from app.domain.ports import UnitOfWork
from app.domain.signals import Conflict, NotFound
from app.services.healing import actor_of, who


async def resolve_record(
    uow: UnitOfWork,
    shop_id: int,
    entity: str,
    shopify_id: str,
    note: str,
    qbo_txn_id: str | None,
    key: ApiKey | None,
) -> SyncRecord:
    async with uow:
        record = await uow.records.get(shop_id, entity, shopify_id)
        if record is None:
            raise NotFound(f"no {entity} record {shopify_id}", "id")
        if record.status == SyncStatus.synced:
            raise Conflict("the record is synced: there is no error to resolve", "id")
        record.status = SyncStatus.resolved
        if qbo_txn_id:
            record.qbo_id = qbo_txn_id
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
