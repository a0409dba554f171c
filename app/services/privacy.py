"""Shopify's mandatory privacy webhooks: hand over, erase a customer, erase a shop; and the
requests as the merchant reads them.

Accounting facts (amounts, dates, lines, order numbers, QBO ids) stay: the books must still
add up. Personal data (names, emails, phones, addresses, notes) goes from every table that
holds it, by the structure that holds it (app.domain.privacy).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from app.domain.entities import PrivacyRequest
from app.domain.ports import UnitOfWork
from app.domain.privacy import Buyer, ReceivedPrivacyRequest, redact

# What the data_request report shows of each order: who bought it, and which order it is.
REPORTED_ORDER_KEYS = (
    "id",
    "name",
    "created_at",
    "email",
    "contact_email",
    "phone",
    "billing_address",
    "shipping_address",
    "customer",
    "note",
    "note_attributes",
)


async def data_request(uow: UnitOfWork, shop_id: int, payload: dict[str, Any]) -> str:
    """Assembles what LedgerPort holds about the customer for the merchant to hand over."""
    customer = payload.get("customer") or {}
    customer_id = str(customer.get("id") or "")
    wanted = [str(i) for i in payload.get("orders_requested") or []]
    orders = await uow.orders.of_customer(shop_id, customer_id, wanted)
    mapping = await uow.mappings.get(shop_id, "customer", f"customer:{customer_id}")
    request = payload.get("data_request") or {}
    report = {
        "shopify_data_request_id": request.get("id") if isinstance(request, dict) else None,
        "orders_requested": wanted,
        "customer": customer,
        "orders": [{k: o.payload.get(k) for k in REPORTED_ORDER_KEYS} for o in orders],
        "quickbooks_customer_id": mapping.qbo_id if mapping else None,
    }
    summary = f"{len(orders)} orders held for customer {customer_id}"
    request_row = PrivacyRequest(shop_id, "customers/data_request", customer_id, summary, report)
    await uow.privacy.add(request_row)
    return summary


async def redact_customer(
    uow: UnitOfWork, shop_id: int, shop_domain: str, payload: dict[str, Any]
) -> str:
    """Erases the customer's personal data everywhere; keeps the accounting facts.

    Their orders lose their personal fields; rows elsewhere (raw webhooks, the audit log,
    records, labels, privacy reports) that hold one of their strings lose the buyer's objects
    and fields, and their free text loses those strings."""
    customer = payload.get("customer") or {}
    customer_id = str(customer.get("id") or "")
    wanted = [str(i) for i in payload.get("orders_to_redact") or []]
    orders = await uow.orders.of_customer(shop_id, customer_id, wanted)
    buyer = Buyer.of(customer, [o.payload for o in orders], also=wanted)
    for order in orders:
        order.payload = redact(order.payload, buyer)
        await uow.orders.save_payload(order)
    changed = await uow.privacy.scrub(
        shop_id, shop_domain, buyer.needles(), partial(redact, buyer=buyer)
    )
    summary = f"redacted {len(orders)} orders and {changed} other rows"
    await uow.privacy.add(PrivacyRequest(shop_id, "customers/redact", customer_id, summary))
    return summary


async def redact_shop(uow: UnitOfWork, shop_id: int, domain: str) -> None:
    """Erases the shop: every row of it."""
    await uow.shops.erase(shop_id, domain)


async def list_requests(uow: UnitOfWork, shop_id: int, limit: int) -> list[ReceivedPrivacyRequest]:
    """The shop's privacy requests, newest first."""
    async with uow:
        return await uow.privacy.list(shop_id, limit)


async def get_request(
    uow: UnitOfWork, shop_id: int, request_id: int
) -> ReceivedPrivacyRequest | None:
    async with uow:
        return await uow.privacy.get(shop_id, request_id)
