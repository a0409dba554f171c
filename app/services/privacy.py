"""Shopify's mandatory privacy webhooks: hand over, erase a customer, erase a shop.

Accounting facts (amounts, lines, order numbers, QBO ids) stay: the books must still add up.
Personal data (names, emails, phones, addresses) goes from every table that holds it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from app.domain.entities import PrivacyRequest
from app.domain.ports import UnitOfWork
from app.domain.privacy import (
    PERSONAL_ORDER_KEYS,
    identifying_strings,
    personal_strings,
    scrub,
    scrub_order,
)


async def data_request(uow: UnitOfWork, shop_id: int, payload: dict[str, Any]) -> str:
    """Assembles what LedgerPort holds about the customer for the merchant to hand over."""
    customer = payload.get("customer") or {}
    customer_id = str(customer.get("id") or "")
    wanted = [str(i) for i in payload.get("orders_requested") or []]
    orders = await uow.orders.of_customer(shop_id, customer_id, wanted)
    mapping = await uow.mappings.get(shop_id, "customer", f"customer:{customer_id}")
    report = {
        "customer": customer,
        "orders": [
            {k: o.payload.get(k) for k in ("id", "name", "created_at", *PERSONAL_ORDER_KEYS)}
            for o in orders
        ],
        "quickbooks_customer_id": mapping.qbo_id if mapping else None,
    }
    summary = f"{len(orders)} orders held for customer {customer_id}"
    request = PrivacyRequest(shop_id, "customers/data_request", customer_id, summary, report)
    await uow.privacy.add(request)
    return summary


async def redact_customer(
    uow: UnitOfWork, shop_id: int, shop_domain: str, payload: dict[str, Any]
) -> str:
    """Erases the customer's personal data everywhere; keeps the accounting facts.

    Rows elsewhere (raw webhooks, the audit log, labels) that identify the customer are
    scrubbed of all their personal strings."""
    customer = payload.get("customer") or {}
    customer_id = str(customer.get("id") or "")
    wanted = [str(i) for i in payload.get("orders_to_redact") or []]
    orders = await uow.orders.of_customer(shop_id, customer_id, wanted)
    payloads = [o.payload for o in orders]
    strings = personal_strings(customer, payloads)
    for order in orders:
        order.payload = scrub_order(order.payload, strings)
        await uow.orders.save_payload(order)
    identifying = identifying_strings(customer, payloads)
    changed = await uow.privacy.scrub(
        shop_id, shop_domain, identifying, partial(scrub, strings=strings)
    )
    summary = f"redacted {len(orders)} orders and {changed} other rows"
    await uow.privacy.add(PrivacyRequest(shop_id, "customers/redact", customer_id, summary))
    return summary


async def redact_shop(uow: UnitOfWork, shop_id: int, domain: str) -> None:
    """Erases the shop: every row of it."""
    await uow.shops.erase(shop_id, domain)
