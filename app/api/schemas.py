"""Response bodies. Separate from tables and domain types so the contract changes on purpose."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.api.schemas_history import RetentionOut
from app.domain.errors import ErrorInfo


class ErrorActionOut(BaseModel):
    name: str = Field(description="Stable id of the action, for the UI to bind a button to")
    label: str
    method: str
    path: str = Field(description="API path template; {shop} is the shop domain")
    description: str


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
        actions = [ErrorActionOut(**vars(action)) for action in info.actions]
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


class QboOptions(BaseModel):
    items: list[QboOptionOut]


class SyncRequest(BaseModel):
    """Either order ids (sync those now, whatever their triggers) or a date range (fetch the
    orders Shopify updated in it and feed them in like webhooks)."""

    order_ids: list[str] | None = Field(None, min_length=1, max_length=1000)
    since: datetime | None = None
    until: datetime | None = None


class RunStarted(BaseModel):
    run_id: str
    queued: int
    unknown_order_ids: list[str] = Field(
        default_factory=list, description="Ids LedgerPort holds no order for"
    )


class RunOut(BaseModel):
    id: str
    kind: str
    status: str
    found: int
    queued: int
    outcomes: dict[str, int] = Field(description="Attempts this run made, by resulting status")
    error: str | None
    created_at: datetime
    finished_at: datetime | None
