"""Records as the merchant sees them: the current state of each Shopify object in QBO, with
the orders still waiting in the webhook inbox listed as `pending`, and what a RecordFilter
keeps of them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.domain.entities import Delivery, RecordFilter, SyncRecord
from app.domain.models import SyncStatus


class RecordEntity(StrEnum):
    """What LedgerPort keeps a record of. Today only orders have records; products and
    customers LedgerPort creates in QBO, and refunds once posted, will have theirs."""

    order = "order"
    product = "product"
    customer = "customer"
    refund = "refund"


class AuditEntity(StrEnum):
    """What audit entries are about: a record's entity, or what a change was made to."""

    order = "order"
    product = "product"
    customer = "customer"
    refund = "refund"
    shop = "shop"
    config = "config"
    connection = "connection"
    mapping = "mapping"


@dataclass(frozen=True)
class RecordView:
    """One line of the records listing: a sync record, or an order whose delivery is stored
    but not processed yet (`delivery_id` set, no record yet)."""

    entity: str
    shopify_id: str
    label: str
    status: str
    updated_at: datetime | None
    error_code: str | None = None
    message: str | None = None
    qbo_id: str | None = None
    qbo_doc_number: str | None = None
    qbo_entity: str | None = None
    attempts: int = 0
    last_attempt_at: datetime | None = None
    next_attempt_at: datetime | None = None
    record_id: int | None = None
    delivery_id: int | None = None

    @classmethod
    def of_record(cls, record: SyncRecord) -> RecordView:
        return cls(
            entity=record.entity,
            shopify_id=record.shopify_id,
            label=record.label,
            status=record.status,
            updated_at=record.updated_at,
            error_code=record.error_code,
            message=record.message,
            qbo_id=record.qbo_id,
            qbo_doc_number=record.qbo_doc_number,
            qbo_entity=record.qbo_entity,
            attempts=record.attempts,
            last_attempt_at=record.last_attempt_at,
            next_attempt_at=record.next_attempt_at,
            record_id=record.id,
        )

    @classmethod
    def of_delivery(cls, delivery: Delivery) -> RecordView | None:
        """The order a stored delivery is about, as `pending`; None when its body does not
        say which order (it is not JSON, nests past the parser's depth, or has no id): the
        listing skips it."""
        try:
            body = json.loads(delivery.body)
        except (ValueError, RecursionError):
            return None
        if not isinstance(body, dict):
            return None
        shopify_id = _order_id(body.get("id"))
        if shopify_id is None:
            return None
        return cls(
            entity=RecordEntity.order,
            shopify_id=shopify_id,
            label=_order_name(body),
            status=SyncStatus.pending,
            updated_at=delivery.received_at,
            delivery_id=delivery.id,
        )


def order_labels(order: str) -> tuple[str, str]:
    """The labels an order filter matches: "#1001" and "1001" both find "#1001" (and a shop
    whose names carry no "#" finds "1001")."""
    bare = order.strip().removeprefix("#")
    return f"#{bare}", bare


def admits(where: RecordFilter, view: RecordView) -> bool:
    """Whether the filter keeps the record: equal entity, status and error code; a last change
    in [since, until); an order label; the text in any case within the label, Shopify id,
    QBO doc number or message."""
    exact = (
        (where.entity, view.entity),
        (where.status, view.status),
        (where.error_code, view.error_code),
    )
    if any(wanted is not None and wanted != value for wanted, value in exact):
        return False
    changed = view.updated_at
    if where.since is not None and (changed is None or changed < where.since):
        return False
    if where.until is not None and (changed is None or changed >= where.until):
        return False
    if where.order is not None and view.label not in order_labels(where.order):
        return False
    if where.text is not None:
        texts = (view.label, view.shopify_id, view.qbo_doc_number, view.message)
        return any(where.text.lower() in t.lower() for t in texts if t)
    return True


def _order_id(raw: object) -> str | None:
    # As app.domain.order_payload.parse_order reads it, so that it names the record the order gets.
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        return None
    text = str(raw).strip()
    return (text.rsplit("/", 1)[-1] if text.startswith("gid://") else text) or None


def _order_name(body: dict[str, object]) -> str:
    # As parse_order names it: the name, else "#" and the order number.
    name = str(body.get("name") or "").strip()
    number = body.get("order_number")
    return name or (f"#{number}" if number is not None else "")
