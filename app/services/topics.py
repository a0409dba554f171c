"""Shopify topics about the shop rather than one order: refunds, uninstall, privacy."""

from __future__ import annotations

from typing import Any

from app.adapters.db.tables import Shop, utcnow
from app.adapters.db.uow import SqlUnitOfWork
from app.services import privacy
from app.services.connections import mark_unhealthy

SHOPIFY = "shopify"
SHOP_TOPICS = frozenset(
    {"refunds/create", "app/uninstalled", "customers/data_request", "customers/redact",
     "shop/redact"}
)  # fmt: skip


async def handle_shop_topic(
    uow: SqlUnitOfWork, shop: Shop, topic: str, payload: dict[str, Any]
) -> str:
    """Carries the topic out; returns what was done, for the inbox row's note."""
    if topic == "app/uninstalled":
        return await _uninstalled(uow, shop)
    if topic == "customers/data_request":
        return await privacy.data_request(uow, shop.id, payload)
    if topic == "customers/redact":
        return await privacy.redact_customer(uow, shop.id, shop.domain, payload)
    if topic == "refunds/create":
        return _refund_note(payload)
    raise ValueError(f"{topic} is not a shop topic")


async def _uninstalled(uow: SqlUnitOfWork, shop: Shop) -> str:
    """Stops syncing: jobs check `uninstalled_at`; Shopify has revoked our token already."""
    shop.uninstalled_at = utcnow()
    connection = await uow.connections.get(shop.id, SHOPIFY)
    if connection is not None:
        connection.access_token = connection.refresh_token = None
        mark_unhealthy(connection, "LedgerPort was uninstalled from the shop")
    return "shop uninstalled: syncing stopped"


def _refund_note(payload: dict[str, Any]) -> str:
    # Posting refund receipts to QBO is a later feature; the refund stays in the inbox.
    lines = payload.get("refund_line_items") or []
    return (
        f"refund {payload.get('id')} of order {payload.get('order_id')} ({len(lines)} lines) kept"
    )
