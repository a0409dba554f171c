"""Response body of GET /v1/shops/{shop}/orders/{order_id}/preview."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.api.schemas import ErrorInfoOut
from app.domain.errors import SyncError, audit_detail
from app.services.dry_run import PLACEHOLDER_PREFIX
from app.services.preview import Action, Preview

PLACEHOLDERS = (
    f"Ids beginning with `{PLACEHOLDER_PREFIX}` (as `{PLACEHOLDER_PREFIX}customer:1`) stand "
    "for the records listed in `creates`: the sync creates those first, and QuickBooks gives "
    "them the ids the document then refers to."
)


class BlockerOut(BaseModel):
    code: str = Field(description="The error's code in GET /v1/errors")
    message: str
    detail: dict[str, Any] | None = Field(description="What the error is about, e.g. the lines")
    error: ErrorInfoOut = Field(description="The catalogue entry: meaning, fix steps, actions")


class CreateOut(BaseModel):
    entity: str = Field(description="The QuickBooks entity the sync would create first")
    placeholder: str = Field(description="How `document` refers to the record to be created")
    payload: dict[str, Any] = Field(description="The body the sync would post for it")


class DocumentOut(BaseModel):
    entity: str = Field(description="The QuickBooks transaction: SalesReceipt or Invoice")
    payload: dict[str, Any] = Field(description="The body the sync would post, exactly")
    payments: list[dict[str, Any]] = Field(
        description="An invoice's Payments, posted after it in this order, one per gateway "
        "that took money; `new:invoice` stands for the invoice's id"
    )


class ManualSyncOut(BaseModel):
    posts: bool = Field(description="A manual sync (POST …/sync) would post or adopt it")
    include_cancelled: bool = Field(
        description="The order is cancelled or voided: a manual sync posts it only with "
        "include_cancelled"
    )
    note: str


class PreviewOut(BaseModel):
    order_id: str = Field(description="The Shopify order id")
    order_name: str = Field(description="The order name, e.g. #1001")
    action: Action = Field(
        description="What an automatic sync would do now: create (post `document`), adopt "
        "(QuickBooks already holds this order's receipt, `qbo_id`), nothing (already synced, "
        "resolved, or the shop uninstalled) or blocked (see `errors`)"
    )
    summary: str = Field(description="The same, in words")
    errors: list[BlockerOut] = Field(
        description="What stops it, in the order the sync meets them: on_hold first (which a "
        "manual sync overrides), then the first thing that stops the translation (the sync "
        "stops there too)"
    )
    creates: list[CreateOut] = Field(
        description="Customers and items the sync would create in QuickBooks before posting"
    )
    document: DocumentOut | None = Field(
        description="The sales receipt or invoice a sync (or, for an order held or resolved, "
        "a manual sync) would post, with an invoice's payments; none when something stops the "
        "translation, or nothing would be posted"
    )
    placeholders: str | None = Field(description="How to read `new:` ids, when there are any")
    qbo_id: str | None = Field(description="The receipt already in QuickBooks, if any")
    qbo_doc_number: str | None
    manual_sync: ManualSyncOut

    @classmethod
    def of(cls, preview: Preview) -> PreviewOut:
        document = preview.document
        return cls(
            order_id=preview.order_id,
            order_name=preview.order_name,
            action=preview.action,
            summary=preview.summary,
            errors=[_blocker(error) for error in preview.errors],
            creates=[CreateOut(**vars(create)) for create in preview.creates],
            document=DocumentOut(
                entity=preview.entity or "SalesReceipt",
                payload=document,
                payments=preview.payments,
            )
            if document is not None
            else None,
            placeholders=PLACEHOLDERS if preview.creates else None,
            qbo_id=preview.qbo_id,
            qbo_doc_number=preview.qbo_doc_number,
            manual_sync=ManualSyncOut(**vars(preview.manual_sync)),
        )


def _blocker(error: SyncError) -> BlockerOut:
    return BlockerOut(
        code=error.code,
        message=error.message,
        detail=audit_detail(error),
        error=ErrorInfoOut.of(error.info),
    )
