"""SQLAlchemy 2 tables. Rows stay here; repositories turn them into domain values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app.domain.entities import INBOX_LIMITS

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for logs.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out; SQLite would otherwise hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON,
    }


class Shop(Base):
    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    plan: Mapped[str] = mapped_column(String(20), default="free")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by app/uninstalled: nothing syncs until the shop installs LedgerPort again.
    uninstalled_at: Mapped[datetime | None]


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # NULL shop_id means an ops key, which may act on every shop.
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class Connection(Base):
    __tablename__ = "connections"
    __table_args__ = (UniqueConstraint("shop_id", "provider"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(20))  # shopify | quickbooks
    status: Mapped[str] = mapped_column(String(20), default="unhealthy")
    external_id: Mapped[str | None] = mapped_column(String(64))  # QBO realm id
    access_token: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted
    refresh_token: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted
    access_expires_at: Mapped[datetime | None]
    refresh_expires_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(Text)
    proposed_external_id: Mapped[str | None] = mapped_column(String(64))  # held: the new one
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SyncConfigRow(Base):
    __tablename__ = "sync_configs"

    shop_id: Mapped[int] = mapped_column(
        ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Mapping(Base):
    __tablename__ = "mappings"
    __table_args__ = (UniqueConstraint("shop_id", "kind", "source_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # customer|product|tax_rate|payment_method
    source_key: Mapped[str] = mapped_column(String(255))  # e.g. "sku:TEE-1", "variant:42"
    source_label: Mapped[str] = mapped_column(String(255), default="")
    qbo_id: Mapped[str] = mapped_column(String(64))
    qbo_name: Mapped[str] = mapped_column(String(255), default="")
    origin: Mapped[str] = mapped_column(String(10), default="manual")  # manual | auto
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebhookDelivery(Base):
    """The inbox: every accepted webhook, stored before Shopify gets its 200."""

    __tablename__ = "webhook_inbox"
    __table_args__ = (
        UniqueConstraint("shop_domain", "topic", "event_id"),
        # The sweep looks by both: for deliveries whose job was lost, and for handled ones
        # past retention.
        Index("ix_webhook_inbox_status_received_at", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(INBOX_LIMITS["shop_domain"]))
    topic: Mapped[str] = mapped_column(String(INBOX_LIMITS["topic"]))
    event_id: Mapped[str] = mapped_column(String(INBOX_LIMITS["event_id"]))
    webhook_id: Mapped[str | None] = mapped_column(String(INBOX_LIMITS["webhook_id"]))
    api_version: Mapped[str | None] = mapped_column(String(INBOX_LIMITS["api_version"]))
    triggered_at: Mapped[str | None] = mapped_column(String(INBOX_LIMITS["triggered_at"]))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="received")
    note: Mapped[str | None] = mapped_column(Text)
    # Processing's tries; a delivery still failing after MAX_ATTEMPTS is parked as failed.
    attempts: Mapped[int] = mapped_column(server_default="0")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("shop_id", "shopify_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    shopify_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64), default="")
    # Privacy requests find a customer's orders by it.
    shopify_customer_id: Mapped[str | None] = mapped_column(String(32), index=True)
    financial_status: Mapped[str | None] = mapped_column(String(32))
    fulfillment_status: Mapped[str | None] = mapped_column(String(32))
    shopify_updated_at: Mapped[datetime | None]
    # Bumped on every stored change; sync jobs carry it in their id so each version runs once.
    version: Mapped[int] = mapped_column(default=1)
    payload: Mapped[dict[str, Any]] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SyncRecord(Base):
    __tablename__ = "sync_records"
    __table_args__ = (
        UniqueConstraint("shop_id", "entity", "shopify_id"),
        Index("ix_sync_records_shop_status", "shop_id", "status", "error_code"),
        # The re-queue pass: records pending, or due by next_attempt_at (services/pending).
        Index("ix_sync_records_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(20))
    # An order's id, or a product's key ("sku:TEE-1"; a SKU or title runs to 255).
    shopify_id: Mapped[str] = mapped_column(String(255))
    label: Mapped[str] = mapped_column(String(255), default="")  # "#1001", a product's name
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text)
    qbo_id: Mapped[str | None] = mapped_column(String(64))
    qbo_doc_number: Mapped[str | None] = mapped_column(String(32))
    # SalesReceipt or Invoice (an invoice's payments are in the audit entry); null: unknown.
    qbo_entity: Mapped[str | None] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    # A lease, not a held row lock: one worker at a time talks to QBO for this record.
    lease_owner: Mapped[str | None] = mapped_column(String(36))
    # Set before a create is sent, cleared once QBO's answer is known: while set, the next
    # attempt looks the document up first and, for the same payload, replays the same id.
    pending_request_id: Mapped[str | None] = mapped_column(String(50))
    pending_payload_hash: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    force_triggers: Mapped[bool] = mapped_column(default=False)  # a manual sync's, until posted
    include_cancelled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AuditEntry(Base):
    """Append-only: one row per attempt or event."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_shop_id_id", "shop_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(20))
    shopify_id: Mapped[str] = mapped_column(String(255))  # as the record's
    label: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    qbo_id: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(16))
    run_id: Mapped[str | None] = mapped_column(String(36))
    duration_ms: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PrivacyRequest(Base):
    """A Shopify privacy webhook and what LedgerPort did about it."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # customers/data_request | customers/redact
    shopify_customer_id: Mapped[str | None] = mapped_column(String(32))
    # data_request: what we hold about the customer, for the merchant to hand over.
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncRun(Base):
    """One manual sync, ops re-sync, backfill or sweep: what was asked and how far it got."""

    __tablename__ = "sync_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # manual | resync | backfill | sweep
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | done | failed
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    found: Mapped[int] = mapped_column(default=0)
    queued: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class RecordBlocker(Base):
    """What an errored record waits for ("product/sku:TEE-1", "config/customers"…): saving
    that mapping, setting or connection re-queues it."""

    __tablename__ = "sync_record_blockers"
    __table_args__ = (
        UniqueConstraint("record_id", "key"),
        Index("ix_sync_record_blockers_shop_key", "shop_id", "key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("sync_records.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(300))


class Source(Base):
    """A product, customer or tax rate the shop's orders have shown us: what can be mapped."""

    __tablename__ = "mapping_sources"
    __table_args__ = (UniqueConstraint("shop_id", "kind", "source_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # customer | product | tax_rate
    source_key: Mapped[str] = mapped_column(String(255))
    label: Mapped[str] = mapped_column(String(255), default="")
    # What auto-map and the SPA need besides the label: sku, name, price, email…
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
