"""The audit log: every attempt and event, newest first, as JSON pages or one CSV file."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from app.api import cursors
from app.api.deps import ContainerDep, ShopDep, UowDep
from app.api.errors import AppError, InvalidParam, responses
from app.api.params import Moment
from app.api.schemas import AuditEntryOut, AuditPage, ErrorInfoOut
from app.api.schemas_history import RetentionOut
from app.domain.entities import AuditEntry, AuditFilter
from app.domain.errors import CATALOGUE, ErrorCode
from app.domain.models import Actor, SyncStatus
from app.domain.plans import Retention
from app.domain.records import AuditEntity, order_labels
from app.services import history

router = APIRouter(prefix="/v1/shops/{shop}/audit-log", tags=["audit-log"])
CSV_COLUMNS = (
    "id",
    "created_at",
    "entity",
    "shopify_id",
    "label",
    "status",
    "error_code",
    "message",
    "qbo_id",
    "actor",
    "run_id",
    "duration_ms",
    "detail",
)
EXPORT_BATCH = 500
# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and carriage
# return, strips them and reads what follows).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def audit_filter(
    status: SyncStatus | None = None,
    code: ErrorCode | None = None,
    entity: AuditEntity | None = None,
    actor: Actor | None = None,
    order: Annotated[
        str | None, Query(max_length=64, description="Order name: #1001 or 1001")
    ] = None,
    shopify_id: Annotated[
        str | None,
        Query(
            max_length=64,
            description="The Shopify id of the order (or product) the entries are about",
        ),
    ] = None,
    since: Annotated[Moment | None, Query(description="Created at or after")] = None,
    until: Annotated[Moment | None, Query(description="Created before")] = None,
) -> AuditFilter:
    """The filters the list and the CSV export share."""
    start, end = since, until
    if start is not None and end is not None and end <= start:
        reason = "`until` must come after `since`"
        refused = [InvalidParam(name="until", reason=reason)]
        raise AppError(422, "validation_error", "Invalid request", reason, refused)
    return AuditFilter(
        status=status,
        error_code=code,
        entity=entity,
        actor=actor,
        label=order_labels(order) if order is not None else None,
        shopify_id=shopify_id.strip() if shopify_id is not None else None,
        since=start,
        until=end,
    )


FilterDep = Annotated[AuditFilter, Depends(audit_filter)]


def _cursor(entry_id: int) -> str:
    return cursors.encode("id", entry_id)


def _before_id(cursor: str | None) -> int | None:
    found = cursors.decode_id(cursor, {"id"})
    return found[1] if found is not None else None


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
    where: FilterDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AuditPage:
    """Attempts and events, newest first, filtered, cursor-paged. Entries older than the
    shop's plan keeps (free 7 days, growth 30, scale 90, enterprise all) are hidden, not
    deleted: `retention` says where the plan cuts and whether it hid any that match."""
    where = replace(where, before_id=_before_id(cursor))
    page = await history.audit_page(uow, shop, where, limit, container.clock())
    items = [_out(entry) for entry in page.entries]
    return AuditPage(
        items=items,
        next_cursor=_cursor(items[-1].id) if page.more and items else None,
        retention=RetentionOut.of(page.shown),
    )


def safe_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text, never runs: one starting like a formula gets a
    leading apostrophe. A plain number ("-12.50") is left as it is, since a spreadsheet reads
    it as a number, not a formula, and prefixing it would turn an amount into text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False)
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _csv_rows(entries: list[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([safe_cell(getattr(e, c)) for c in CSV_COLUMNS] for e in entries)
    return out.getvalue()


CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One header row, then every matching entry, newest first",
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": ",".join(CSV_COLUMNS)
                + "\r\n812,2026-03-02T09:30:04+00:00,order,5910002001001,#1001,error,"
                "product_not_mapped,Order #1001: no QuickBooks item for 1 line(s): "
                'TEE-ORG-HG-M.,,webhook,,184,"{""unmapped"": [{""sku"": ""TEE-ORG-HG-M""}]}"\r\n',
            }
        },
    }
}


@router.get(
    "/export.csv",
    response_class=StreamingResponse,
    responses={**CSV_RESPONSE, **responses(401, 404, 422)},
)
async def export_audit_log(
    shop: ShopDep, container: ContainerDep, where: FilterDep
) -> StreamingResponse:
    """The audit log as CSV (text/csv): the list's filters, every matching entry rather than
    one page, newest first, with the plan's retention applied as in the list; streamed.
    Columns: id, created_at, entity, shopify_id, label, status, error_code, message, qbo_id,
    actor, run_id, duration_ms, detail (JSON). A cell that a spreadsheet would read as a
    formula (starting with =, +, -, @, tab or carriage return) starts with an apostrophe; a
    plain number such as -12.50 is left as it is. The `LedgerPort-Retention-Days` header
    (`all` on enterprise) and `LedgerPort-Hidden-Before` say where the plan cuts."""
    now = container.clock()
    entries = history.every_entry(container.uow, shop, where, now, EXPORT_BATCH)
    retention = Retention.of(shop.plan, now)

    async def body() -> AsyncIterator[str]:
        yield ",".join(CSV_COLUMNS) + "\r\n"
        async for batch in entries:
            yield _csv_rows(batch)

    headers = {
        "Content-Disposition": f'attachment; filename="audit-log-{shop.domain}.csv"',
        "LedgerPort-Retention-Days": "all" if retention.days is None else str(retention.days),
    }
    if retention.hidden_before is not None:
        headers["LedgerPort-Hidden-Before"] = retention.hidden_before.isoformat()
    return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers=headers)
