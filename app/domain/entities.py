"""What LedgerPort keeps: the tenant, its connections, orders, sync records and logs.

Plain dataclasses. Repositories (app/adapters/db) map them to and from table rows; the
services read and change them and hand them back to a repository to save.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

QUICKBOOKS = "quickbooks"
SHOPIFY = "shopify"
HEALTHY, UNHEALTHY, DISCONNECTED = "healthy", "unhealthy", "disconnected"
# A reconnect proved another QBO company than the shop's: held until a person decides.
COMPANY_MISMATCH = "company_mismatch"

# The inbox columns' lengths: a header longer than its column is refused before storing.
INBOX_LIMITS = {
    "shop_domain": 255,
    "topic": 64,
    "event_id": 128,
    "webhook_id": 128,
    "api_version": 16,
    "triggered_at": 64,
}


# Days of audit history each plan shows (None: all of it); older entries are hidden, not deleted.
RETENTION_DAYS: dict[str, int | None] = {"free": 7, "growth": 30, "scale": 90, "enterprise": None}


@dataclass
class Shop:
    id: int
    domain: str
    name: str
    plan: str = "free"
    created_at: datetime | None = None
    # Set by app/uninstalled: nothing syncs until the shop installs LedgerPort again.
    uninstalled_at: datetime | None = None


@dataclass(frozen=True)
class ApiKey:
    id: int
    shop_id: int | None  # None: an operator key, which may act on every shop
    prefix: str
    label: str
    created_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class OAuthState:
    """A single-use OAuth start token or state, kept by the hash of its value; `binding_hash`
    is the hash of the nonce cookie of the browser that may use it."""

    id: int
    nonce_hash: str
    purpose: str
    shop: str
    binding_hash: str | None
    created_at: datetime
    used_at: datetime | None = None


@dataclass
class Connection:
    """A shop's link to Shopify or QBO. Tokens are stored encrypted (bytes)."""

    shop_id: int
    provider: str
    status: str = UNHEALTHY
    external_id: str | None = None  # the QBO realm id
    access_token: bytes | None = None
    refresh_token: bytes | None = None
    access_expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    status_reason: str | None = None
    id: int | None = None
    # While held (company_mismatch): the company the new tokens belong to.
    proposed_external_id: str | None = None


@dataclass
class Delivery:
    """One webhook delivery in the inbox."""

    id: int
    shop_domain: str
    topic: str
    event_id: str
    body: str
    status: str = "received"  # received | processed | ignored | failed | deferred
    note: str | None = None
    webhook_id: str | None = None
    api_version: str | None = None
    triggered_at: str | None = None
    received_at: datetime | None = None
    processed_at: datetime | None = None
    attempts: int = 0  # processing's tries, counted even when one fails


# A delivery in one of these states is done with and is purged after the inbox's retention.
# `deferred` is not among them: it holds a topic LedgerPort keeps until it can post it
# (refunds), so retention never deletes it; `received` still waits for its job.
PURGEABLE_DELIVERY_STATUSES = ("processed", "ignored", "failed")


@dataclass(frozen=True)
class NewDelivery:
    """A delivery to store; the inbox writer keeps it only for an installed shop."""

    shop_domain: str
    topic: str
    event_id: str
    body: str
    status: str
    note: str | None
    webhook_id: str | None
    api_version: str | None
    triggered_at: str | None
    received_at: datetime


@dataclass(frozen=True)
class Stored:
    """A delivery the inbox committed."""

    id: int
    topic: str
    status: str


@dataclass
class StoredOrder:
    """The newest Shopify state of one order, as received."""

    id: int
    shop_id: int
    shopify_id: str
    payload: dict[str, Any]
    name: str = ""
    shopify_customer_id: str | None = None
    financial_status: str | None = None
    fulfillment_status: str | None = None
    shopify_updated_at: datetime | None = None
    # Bumped on every stored change; sync jobs carry it in their id so each version runs once.
    version: int = 1


@dataclass(frozen=True)
class OrderState:
    """What an upsert stores of an order besides its payload."""

    name: str
    shopify_customer_id: str | None
    financial_status: str | None
    fulfillment_status: str | None
    updated_at: datetime | None


@dataclass
class SyncRecord:
    """The current state of one Shopify object in QBO."""

    id: int
    shop_id: int
    entity: str
    shopify_id: str
    status: str
    label: str = ""
    error_code: str | None = None
    message: str | None = None
    qbo_id: str | None = None
    qbo_doc_number: str | None = None
    qbo_entity: str | None = None  # the QBO document's entity: SalesReceipt or Invoice
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_attempt_at: datetime | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None
    # Set before a create is sent, cleared once QBO's answer is known: while set, the next
    # attempt looks the document up first and, for the same payload, replays the same id.
    pending_request_id: str | None = None
    pending_payload_hash: str | None = None
    # Set by a manual sync until the record posts: later attempts (a heal, a webhook) keep
    # overriding the sync triggers, and post a cancelled or voided order only when asked to.
    force_triggers: bool = False
    include_cancelled: bool = False
    # When the record last changed: set by the store on every write, never by a service, and
    # left out of comparisons (two reads of the same state are equal whenever they were made).
    updated_at: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AuditEntry:
    """One attempt or event; append-only. `id` and `created_at` are set when stored."""

    shop_id: int
    entity: str
    shopify_id: str
    status: str
    actor: str
    label: str = ""
    error_code: str | None = None
    message: str | None = None
    detail: dict[str, Any] | None = None
    qbo_id: str | None = None
    run_id: str | None = None
    duration_ms: int | None = None
    id: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class AuditFilter:
    status: str | None = None
    error_code: str | None = None
    entity: str | None = None
    actor: str | None = None
    label: str | tuple[str, ...] | None = None  # a tuple: any of these labels
    run_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None
    shopify_id: str | None = None


@dataclass(frozen=True)
class RecordFilter:
    """Which records a listing shows; every field set must hold (app/domain/records.py says
    how each is matched, and the repositories match the same way)."""

    entity: str | None = None
    status: str | None = None
    error_code: str | None = None
    since: datetime | None = None  # last change at or after
    until: datetime | None = None  # last change before
    order: str | None = None  # the order name, with or without its "#"
    text: str | None = None  # in the label, Shopify id, QBO doc number or message, any case


@dataclass(frozen=True)
class Mapping:
    """A Shopify key (e.g. "sku:TEE-1", "customer:42") mapped to a QBO record."""

    shop_id: int
    kind: str  # customer | product | tax_rate
    source_key: str
    qbo_id: str
    source_label: str = ""
    qbo_name: str = ""
    origin: str = "manual"  # manual | auto


@dataclass
class SyncRun:
    """One manual sync, ops re-sync, backfill or sweep: what was asked and how far it got."""

    id: str
    shop_id: int
    kind: str  # manual | resync | backfill | sweep
    status: str = "running"  # running | done | failed
    params: dict[str, Any] = field(default_factory=dict)
    found: int = 0
    queued: int = 0
    error: str | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class PrivacyRequest:
    """A Shopify privacy webhook and what LedgerPort did about it."""

    shop_id: int
    kind: str  # customers/data_request | customers/redact
    shopify_customer_id: str | None
    summary: str
    report: dict[str, Any] | None = None


@dataclass(frozen=True)
class Source:
    """A product, customer or tax rate the shop's orders have shown us, and its mapping."""

    shop_id: int
    kind: str  # customer | product | tax_rate
    source_key: str
    label: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    last_seen_at: datetime | None = None
    mapping: Mapping | None = None
