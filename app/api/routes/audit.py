"""The audit log: every attempt and event, newest first."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from app.api import cursors
from app.api.deps import ContainerDep, ShopDep, UowDep
from app.api.errors import responses
from app.api.schemas import AuditEntryOut, AuditPage, ErrorInfoOut
from app.domain.entities import RETENTION_DAYS, AuditEntry, AuditFilter
from app.domain.errors import CATALOGUE, ErrorCode
from app.domain.models import Actor, SyncStatus

router = APIRouter(prefix="/v1/shops/{shop}/audit-log", tags=["audit-log"])


def _cursor(entry_id: int) -> str:
    return cursors.encode("id", entry_id)


def _before_id(cursor: str | None) -> int | None:
    found = cursors.decode(cursor, {"id"})
    if found is None:
        return None
    if not found[1].isdigit():
        raise cursors.invalid()
    return int(found[1])


def _out(entry: AuditEntry) -> AuditEntryOut:
    info = CATALOGUE.get(ErrorCode(entry.error_code)) if entry.error_code else None
    if info is not None:
        info = info.for_record(entry.entity, entry.shopify_id)
    return AuditEntryOut.model_validate(
        {
            **{c: getattr(entry, c) for c in AuditEntryOut.model_fields if c != "error"},
            "error": ErrorInfoOut.of(info) if info else None,
        }
    )


@router.get("", response_model=AuditPage, responses=responses(400, 401, 404, 422))
async def list_audit_log(
    shop: ShopDep,
    uow: UowDep,
    container: ContainerDep,
    status: SyncStatus | None = None,
    code: ErrorCode | None = None,
    entity: str | None = None,
    actor: Actor | None = None,
    order: Annotated[str | None, Query(description="Shopify order name, e.g. #1001")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AuditPage:
    """Attempts and events, newest first, filtered; older than the plan's retention are hidden."""
    days = RETENTION_DAYS.get(shop.plan, 7)
    if days is not None:
        horizon = container.clock() - timedelta(days=days)
        since = max(since, horizon) if since is not None else horizon
    where = AuditFilter(
        status=status,
        error_code=code,
        entity=entity,
        actor=actor,
        label=order,
        since=since,
        until=until,
        before_id=_before_id(cursor),
    )
    async with uow:
        entries = await uow.audit.list(shop.id, where, limit + 1)
    page = [_out(entry) for entry in entries[:limit]]
    more = len(entries) > limit
    return AuditPage(items=page, next_cursor=_cursor(page[-1].id) if more and page else None)
