"""Shopify topics beside the orders': uninstall and privacy, carried out at once, and refunds,
kept until LedgerPort posts them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.domain.entities import SHOPIFY, Shop
from app.domain.ports import UnitOfWork
from app.services import privacy
from app.services.connections import mark_unhealthy

# Stored and acknowledged, then kept as `deferred` (never purged) until their feature posts them.
DEFERRED_TOPICS = frozenset({"refunds/create"})

SHOP_TOPICS = frozenset(
    {
        "app/uninstalled",
        "customers/data_request",
        "customers/redact",
        "shop/redact",
    }
)


async def handle_shop_topic(
    uow: UnitOfWork, shop: Shop, topic: str, payload: dict[str, Any], now: datetime
) -> str:
    """Carries the topic out; returns what was done, for the inbox row's note."""
    if topic == "app/uninstalled":
        return await _uninstalled(uow, shop, now)
    if topic == "customers/data_request":
        return await privacy.data_request(uow, shop.id, payload)
    if topic == "customers/redact":
        return await privacy.redact_customer(uow, shop.id, shop.domain, payload)
    raise ValueError(f"{topic} is not a shop topic")


async def _uninstalled(uow: UnitOfWork, shop: Shop, now: datetime) -> str:
    """Stops syncing (jobs check `uninstalled_at`; Shopify has revoked our token already) and
    revokes the shop's API keys. Its data stays until shop/redact, 48 hours later, but no key
    of the shop reads it meanwhile (operators' keys still do); installing again issues one."""
    shop.uninstalled_at = now
    await uow.shops.save(shop)
    connection = await uow.connections.get(shop.id, SHOPIFY)
    if connection is not None:
        connection.access_token = connection.refresh_token = None
        mark_unhealthy(connection, "LedgerPort was uninstalled from the shop")
        await uow.connections.save(connection)
    revoked = await uow.api_keys.revoke_for_shop(shop.id, now)
    return f"shop uninstalled: syncing stopped, API keys revoked: {revoked}"


def deferred_note(topic: str, payload: dict[str, Any]) -> str:
    """What a deferred delivery waits for, for the inbox row's note."""
    lines = payload.get("refund_line_items") or []
    return (
        f"refund {payload.get('id')} of order {payload.get('order_id')} ({len(lines)} lines) "
        "kept until refunds are posted to QuickBooks"
    )
