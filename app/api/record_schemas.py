"""Response bodies of /v1/shops/{shop}/records, with the examples OpenAPI shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.api.schemas import AuditEntryOut, ErrorActionOut, ErrorInfoOut
from app.api.schemas_history import RetentionOut
from app.domain.entities import AuditEntry
from app.domain.errors import CATALOGUE, ErrorCode, ErrorInfo
from app.domain.models import SyncStatus
from app.domain.plans import Retention
from app.domain.records import RecordView
from app.services.history import Shown


def catalogue_entry(code: str | None, record: RecordView | AuditEntry) -> ErrorInfo | None:
    """The catalogue's entry for a stored error code, its steps and actions naming the
    record; none for a code the catalogue no longer has."""
    try:
        info = CATALOGUE.get(ErrorCode(code)) if code else None
    except ValueError:
        return None
    return info.for_record(record.entity, record.shopify_id) if info else None


class RecordOut(BaseModel):
    entity: str = Field(description="order, product, customer or refund")
    shopify_id: str
    label: str = Field(description="What the merchant calls it: the order name, e.g. #1001")
    status: str = Field(description="synced, error, pending, on_hold or resolved")
    error_code: str | None
    message: str | None = Field(description="The last attempt's reason, in words")
    qbo_id: str | None = Field(description="The QBO transaction or record id, once synced")
    qbo_doc_number: str | None
    attempts: int = Field(description="Failed and successful attempts so far")
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None = Field(description="When LedgerPort retries by itself")
    updated_at: datetime | None = Field(
        description="Its last change; for an order still in the inbox, when it arrived"
    )
    error: ErrorInfoOut | None = Field(
        None, description="The catalogue entry for error_code: meaning, fix steps and actions"
    )

    @classmethod
    def of(cls, view: RecordView) -> RecordOut:
        return cls.model_validate(_fields(view))


class RecordPage(BaseModel):
    items: list[RecordOut]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page")


class QboDocumentOut(BaseModel):
    id: str
    doc_number: str | None
    entity: str | None = Field(
        None,
        description="SalesReceipt or Invoice (an invoice's payments are listed in the history "
        "entry that posted it); null for a record synced before LedgerPort kept it",
    )


class RecordDetailOut(RecordOut):
    qbo_document: QboDocumentOut | None = Field(description="What it became in QBO, once synced")
    fix_steps: list[str] = Field(description="The catalogue's steps for its error, if any")
    actions: list[ErrorActionOut] = Field(description="API actions that carry the steps out")
    history: list[AuditEntryOut] = Field(
        description="Its attempts and events from the audit log, newest first, within the "
        "plan's retention"
    )
    more_history: bool = Field(
        description="More entries within the plan's retention than shown: page the audit log "
        "for them"
    )
    retention: RetentionOut = Field(description="What the shop's plan hides from its history")

    @classmethod
    def of_detail(
        cls, view: RecordView, history: list[AuditEntry], more_history: bool, shown: Shown
    ) -> RecordDetailOut:
        info = _open_error(view)
        document = {
            "id": view.qbo_id,
            "doc_number": view.qbo_doc_number,
            "entity": view.qbo_entity,
        }
        return cls.model_validate(
            {
                **_fields(view),
                "qbo_document": document if view.qbo_id is not None else None,
                "fix_steps": list(info.fix_steps) if info else [],
                "actions": [ErrorActionOut.of(a) for a in info.actions] if info else [],
                "history": [audit_entry_out(entry) for entry in history],
                "more_history": more_history,
                "retention": RetentionOut.of(shown),
            }
        )


def audit_entry_out(entry: AuditEntry) -> AuditEntryOut:
    info = catalogue_entry(entry.error_code, entry)
    fields = {c: getattr(entry, c) for c in AuditEntryOut.model_fields if c != "error"}
    return AuditEntryOut.model_validate(
        {**fields, "error": ErrorInfoOut.of(info) if info else None}
    )


def _open_error(view: RecordView) -> ErrorInfo | None:
    """The catalogue entry of the record's error while it is open; a resolved record keeps
    its error_code (what a person closed) but offers no fix."""
    if view.status == SyncStatus.resolved:
        return None
    return catalogue_entry(view.error_code, view)


def _fields(view: RecordView) -> dict[str, Any]:
    info = _open_error(view)
    fields = {c: getattr(view, c) for c in RecordOut.model_fields if c != "error"}
    return {**fields, "error": ErrorInfoOut.of(info) if info else None}


# -- examples (OpenAPI) --------------------------------------------------------------------

_UNMAPPED = RecordView(
    entity="order",
    shopify_id="5910002001001",
    label="#1001",
    status="error",
    updated_at=datetime.fromisoformat("2026-03-02T09:30:04+00:00"),
    error_code="product_not_mapped",
    message="Order #1001: no QuickBooks item for 1 line(s): TEE-ORG-HG-M.",
    attempts=1,
    last_attempt_at=datetime.fromisoformat("2026-03-02T09:30:04+00:00"),
)
_SYNCED = RecordView(
    entity="order",
    shopify_id="5910002001002",
    label="#1002",
    status="synced",
    updated_at=datetime.fromisoformat("2026-03-02T09:41:12+00:00"),
    message=None,
    qbo_id="145",
    qbo_doc_number="1002",
    attempts=1,
    last_attempt_at=datetime.fromisoformat("2026-03-02T09:41:12+00:00"),
)
_PENDING = RecordView(
    entity="order",
    shopify_id="5910002001003",
    label="#1003",
    status="pending",
    updated_at=datetime.fromisoformat("2026-03-02T09:42:30+00:00"),
)
_ENTRY = AuditEntry(
    id=812,
    created_at=datetime.fromisoformat("2026-03-02T09:30:04+00:00"),
    shop_id=1,
    entity="order",
    shopify_id="5910002001001",
    label="#1001",
    status="error",
    actor="webhook",
    error_code="product_not_mapped",
    message=_UNMAPPED.message,
    detail={"unmapped": [{"sku": "TEE-ORG-HG-M", "title": "Organic Cotton Tee"}]},
    duration_ms=184,
)


def _example(model: BaseModel) -> dict[int | str, dict[str, Any]]:
    body = model.model_dump(mode="json")
    return {200: {"content": {"application/json": {"example": body}}}}


LIST_EXAMPLE = _example(
    RecordPage(
        items=[RecordOut.of(v) for v in (_PENDING, _SYNCED, _UNMAPPED)],
        next_cursor="cjo5MDA=",
    )
)
_FREE = Retention("free", 7, datetime.fromisoformat("2026-02-23T09:45:00+00:00"))
DETAIL_EXAMPLE = _example(
    RecordDetailOut.of_detail(_UNMAPPED, [_ENTRY], False, Shown(_FREE, older_hidden=False))
)
