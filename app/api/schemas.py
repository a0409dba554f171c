"""Response bodies. Separate from tables and domain types so the contract changes on purpose."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from app.api.params import Moment
from app.api.schemas_history import RetentionOut
from app.domain.actions import ErrorAction
from app.domain.errors import ErrorCode, ErrorInfo
from app.domain.models import SyncStatus
from app.domain.selection import MAX_IDS


class PlaceholderOut(BaseModel):
    name: str = Field(description="Written `{name}` in the path or the example's body")
    meaning: str
    source: str = Field(
        description="The call whose answer supplies it: METHOD and path ({shop} filled in "
        "by the caller)",
        examples=["GET /v1/shops/{shop}/quickbooks/customers"],
    )
    field: str = Field(
        description="The answer's field that holds it; for a list (`items`), the field of "
        "its first item that has the `where` values"
    )
    where: dict[str, str] = Field(default_factory=dict, examples=[{"kind": "Bank"}])


class ActionExampleOut(BaseModel):
    method: str
    path: str = Field(description="As the action's path, placeholders included")
    body: dict[str, Any] | None = Field(description="JSON body, placeholders included")
    status: int = Field(description="What the call answers when it succeeds")


class ErrorActionOut(BaseModel):
    name: str = Field(description="Stable id of the action, for the UI to bind a button to")
    label: str
    method: str
    path: str = Field(
        description="API path template: {shop} is the shop domain; other {names} are "
        "listed in `placeholders` (a record's own entity and id are filled in)"
    )
    description: str
    example: ActionExampleOut = Field(description="A request that succeeds for a set-up shop")
    placeholders: list[PlaceholderOut] = Field(
        description="What each {name} in the path or the example's body stands for"
    )

    @classmethod
    def of(cls, action: ErrorAction) -> ErrorActionOut:
        return cls(
            name=action.name,
            label=action.label,
            method=action.method,
            path=action.path,
            description=action.description,
            example=ActionExampleOut(
                method=action.method,
                path=action.path,
                body=dict(action.example.body) if action.example.body is not None else None,
                status=action.example.status,
            ),
            placeholders=[
                PlaceholderOut(
                    name=p.name,
                    meaning=p.meaning,
                    source=p.source,
                    field=p.field,
                    where=dict(p.where),
                )
                for p in action.placeholders
            ],
        )


class ErrorInfoOut(BaseModel):
    code: str
    title: str
    meaning: str
    retries_automatically: bool
    auto_behaviour: str = Field(description="What LedgerPort does about it by itself")
    fix_steps: list[str]
    actions: list[ErrorActionOut]

    @classmethod
    def of(cls, info: ErrorInfo) -> ErrorInfoOut:
        actions = [ErrorActionOut.of(action) for action in info.actions]
        return cls(
            code=info.code,
            title=info.title,
            meaning=info.meaning,
            retries_automatically=info.retries_automatically,
            auto_behaviour=info.auto_behaviour,
            fix_steps=list(info.fix_steps),
            actions=actions,
        )


class ErrorCatalogue(BaseModel):
    items: list[ErrorInfoOut]


class WebhookAccepted(BaseModel):
    delivery_id: int | None = Field(description="Inbox id; null when this was a repeat")
    duplicate: bool


class AuditEntryOut(BaseModel):
    id: int
    created_at: datetime
    entity: str
    shopify_id: str
    label: str = Field(description="The Shopify order name, e.g. #1001")
    status: str
    error_code: str | None
    message: str | None
    detail: dict[str, Any] | None
    qbo_id: str | None
    actor: str
    run_id: str | None
    duration_ms: int | None
    error: ErrorInfoOut | None = Field(
        None, description="The catalogue entry for error_code: meaning, fix steps and actions"
    )


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next, older page")
    retention: RetentionOut = Field(description="What the shop's plan hides from this answer")


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


class ConnectionOut(BaseModel):
    provider: str
    status: str = Field(
        description="healthy, unhealthy, disconnected, not_connected, or company_mismatch: "
        "reconnected to another company than the shop's, held (nothing syncs) until the shop "
        "reconnects to its company or confirms the switch"
    )
    reason: str | None = Field(None, description="Why it is not healthy, in words")
    external_id: str | None = Field(None, description="The QBO company (realm) id")
    proposed_external_id: str | None = Field(
        None, description="While company_mismatch: the company the reconnect landed on"
    )
    access_expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None


class SwitchedOut(ConnectionOut):
    requeued: int = Field(description="Orders queued again that had failed while it was held")


class ConnectionsOut(BaseModel):
    items: list[ConnectionOut]


class AuthorizeOut(BaseModel):
    authorize_url: str = Field(description="Send the person here to approve access at Intuit")


class ConnectedOut(BaseModel):
    shop: str
    provider: str
    status: str
    requeued: int = Field(description="Orders queued again that had failed with qbo_auth")


class DisconnectedOut(BaseModel):
    status: str
    revoked_at_provider: bool = Field(
        description="False when Intuit could not be reached; the tokens are forgotten anyway"
    )


class QboOptionOut(BaseModel):
    id: str
    name: str
    active: bool
    kind: str | None = Field(None, description="AccountType for accounts, Type for items")
    account_id: str | None = Field(
        None, description="Items: the account a sale of it books to (IncomeAccountRef)"
    )
    currency: str | None = Field(
        None, description="Customers: the currency QuickBooks keeps them in (CurrencyRef)"
    )


class QboOptions(BaseModel):
    items: list[QboOptionOut]


class SyncRequest(BaseModel):
    """Which records to sync now, overriding the sync triggers: by ids; or by status and/or
    error code; or (orders) by the date range Shopify changed them in, which also fetches
    the orders LedgerPort lacks. Records in error are included. An order already in
    QuickBooks is never posted again, a cancelled or voided one only with include_cancelled,
    and a resolved one only when named by id; the run lists each it skipped, and why."""

    model_config = ConfigDict(extra="forbid")

    entity: str = Field(
        "order",
        description="order, or product: the orders in error that wait for the product's "
        "QuickBooks item are synced again (each finds or creates the item on its way)",
    )
    ids: list[str] | None = Field(None, min_length=1, max_length=MAX_IDS)
    order_ids: list[str] | None = Field(
        None, min_length=1, max_length=MAX_IDS, description="The same as ids, for orders"
    )
    status: SyncStatus | None = None
    error_code: ErrorCode | None = None
    since: Moment | None = Field(None, description="With a time zone, or a date")
    until: Moment | None = Field(None, description="With a time zone, or a date; default now")
    include_cancelled: StrictBool = Field(
        False, description="Post orders cancelled or voided in Shopify too (true or false)"
    )


class RunStarted(BaseModel):
    run_id: str
    queued: int | None = Field(
        description="Records queued now; null for a date range, whose run reads Shopify "
        "first (GET the run for its counts)"
    )
    unknown_order_ids: list[str] = Field(
        default_factory=list, description="Ids LedgerPort holds no record for"
    )


class SkippedOut(BaseModel):
    id: str
    reason: str = Field(
        description="already_synced, cancelled (pass include_cancelled), resolved (sync it "
        "by id), unknown, nothing_waits (a product no order waits for)"
    )


class RunOut(BaseModel):
    id: str
    kind: str = Field(description="manual, resync, backfill or sweep")
    status: str = Field(description="running until every record it queued has an outcome")
    total: int = Field(
        description="Records selected: synced + failed + on_hold + pending + skipped"
    )
    done: int = Field(description="Records with an outcome (skipped ones included)")
    synced: int
    failed: int = Field(description="In error now")
    pending: int
    on_hold: int
    skipped: list[SkippedOut]
    seconds_left: float | None = Field(description="At the rate so far; null when unknown")
    found: int
    queued: int
    outcomes: dict[str, int] = Field(description="Attempts this run made, by resulting status")
    error: str | None
    created_at: datetime
    finished_at: datetime | None = Field(description="The last outcome; null while running")
