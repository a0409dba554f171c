"""Shopify's mandatory privacy webhooks: hand over, erase a customer, erase a shop.

Accounting facts (amounts, lines, order numbers, QBO ids) stay: the books must still add up.
Personal data (names, emails, phones, addresses) goes from every table that holds it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Text, cast, delete, or_, select

from app.adapters.db.tables import (
    ApiKey,
    AuditEntry,
    Connection,
    Mapping,
    OrderRow,
    PrivacyRequest,
    Shop,
    SyncConfigRow,
    SyncRecord,
    WebhookDelivery,
)
from app.adapters.db.uow import SqlUnitOfWork

REDACTED = "[redacted]"
PERSONAL_ORDER_KEYS = ("email", "contact_email", "phone", "billing_address",
                       "shipping_address", "customer")  # fmt: skip
ADDRESS_KEYS = ("first_name", "last_name", "name", "address1", "address2", "phone", "company",
                "city", "zip")  # fmt: skip
MIN_TOKEN = 3  # shorter strings would erase unrelated text


def identifying_strings(customer: dict[str, Any], orders: Iterable[dict[str, Any]]) -> set[str]:
    """What singles the customer out (emails, phones, full names, street lines): a row that
    holds one of these is about them. A city or a first name alone is not."""
    found: set[str] = set()
    people = [customer, *(o.get("customer") or {} for o in orders)]
    for person in people:
        found.update(str(person.get(k) or "") for k in ("email", "phone"))
        found.add(
            " ".join(str(n) for n in (person.get("first_name"), person.get("last_name")) if n)
        )
    for order in orders:
        found.update(str(order.get(k) or "") for k in ("email", "contact_email", "phone"))
        for key in ("billing_address", "shipping_address"):
            address = order.get(key)
            if isinstance(address, dict):
                found.update(str(address.get(k) or "") for k in ("name", "address1", "phone"))
    return {s.strip() for s in found if len(s.strip()) >= MIN_TOKEN}


def personal_strings(customer: dict[str, Any], orders: Iterable[dict[str, Any]]) -> set[str]:
    """Every name, email, phone and address line of the customer that we may hold."""
    found: set[str] = set()
    people = [customer, *(o.get("customer") or {} for o in orders)]
    addresses = [a for o in orders for a in (o.get("billing_address"), o.get("shipping_address"))]
    for person in people:
        found.update(
            str(person.get(k) or "") for k in ("email", "phone", "first_name", "last_name")
        )
        names = [person.get("first_name"), person.get("last_name")]
        found.add(" ".join(str(n) for n in names if n))
        addresses.append(person.get("default_address"))
    for order in orders:
        found.update(str(order.get(k) or "") for k in ("email", "contact_email", "phone"))
    for address in addresses:
        if isinstance(address, dict):
            found.update(str(address.get(k) or "") for k in ADDRESS_KEYS)
    return {s.strip() for s in found if len(s.strip()) >= MIN_TOKEN}


def scrub(value: Any, strings: set[str]) -> Any:
    """`value` with every occurrence of the strings replaced, longest first."""
    if isinstance(value, dict):
        return {k: scrub(v, strings) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, strings) for v in value]
    if isinstance(value, str):
        for text in sorted(strings, key=len, reverse=True):
            value = _replace(value, text)
        return value
    return value


def _replace(value: str, text: str) -> str:
    lower, needle = value.lower(), text.lower()
    start = lower.find(needle)
    while start != -1:
        value = value[:start] + REDACTED + value[start + len(text) :]
        lower = value.lower()
        start = lower.find(needle, start + len(REDACTED))
    return value


def scrub_order(payload: dict[str, Any], strings: set[str]) -> dict[str, Any]:
    """The order without its buyer: personal fields emptied, the rest kept."""
    kept = {k: v for k, v in payload.items() if k not in PERSONAL_ORDER_KEYS}
    customer = payload.get("customer")
    kept["customer"] = {"id": customer.get("id"), "redacted": True} if customer else None
    cleaned: dict[str, Any] = scrub(kept, strings)
    return cleaned


async def customer_orders(
    uow: SqlUnitOfWork, shop_id: int, customer_id: str, order_ids: Iterable[Any]
) -> list[OrderRow]:
    wanted = [str(i) for i in order_ids]
    query = select(OrderRow).where(
        OrderRow.shop_id == shop_id,
        or_(OrderRow.shopify_customer_id == customer_id, OrderRow.shopify_id.in_(wanted)),
    )
    return list((await uow.session.scalars(query)).all())


async def data_request(uow: SqlUnitOfWork, shop_id: int, payload: dict[str, Any]) -> str:
    """Assembles what LedgerPort holds about the customer for the merchant to hand over."""
    customer = payload.get("customer") or {}
    customer_id = str(customer.get("id") or "")
    orders = await customer_orders(uow, shop_id, customer_id, payload.get("orders_requested") or [])
    mapping = await uow.session.scalar(
        select(Mapping).where(Mapping.shop_id == shop_id,
                              Mapping.source_key == f"customer:{customer_id}")
    )  # fmt: skip
    report = {
        "customer": customer,
        "orders": [
            {k: o.payload.get(k) for k in ("id", "name", "created_at", *PERSONAL_ORDER_KEYS)}
            for o in orders
        ],
        "quickbooks_customer_id": mapping.qbo_id if mapping else None,
    }
    summary = f"{len(orders)} orders held for customer {customer_id}"
    uow.session.add(PrivacyRequest(shop_id=shop_id, kind="customers/data_request",
                                   shopify_customer_id=customer_id, report=report,
                                   summary=summary))  # fmt: skip
    return summary


async def redact_customer(
    uow: SqlUnitOfWork, shop_id: int, shop_domain: str, payload: dict[str, Any]
) -> str:
    """Erases the customer's personal data everywhere; keeps the accounting facts."""
    customer = payload.get("customer") or {}
    customer_id = str(customer.get("id") or "")
    orders = await customer_orders(uow, shop_id, customer_id, payload.get("orders_to_redact") or [])
    payloads = [o.payload for o in orders]
    strings = personal_strings(customer, payloads)
    for order in orders:
        order.payload = scrub_order(order.payload, strings)
    changed = await _sweep(
        uow, shop_id, shop_domain, identifying_strings(customer, payloads), strings
    )
    summary = f"redacted {len(orders)} orders and {changed} other rows"
    uow.session.add(PrivacyRequest(shop_id=shop_id, kind="customers/redact",
                                   shopify_customer_id=customer_id, summary=summary))  # fmt: skip
    return summary


async def _sweep(
    uow: SqlUnitOfWork, shop_id: int, domain: str, identifying: set[str], strings: set[str]
) -> int:
    """Rows elsewhere (raw webhooks, the audit log, labels) that identify the customer are
    scrubbed of all their personal strings."""
    if not identifying:
        return 0
    targets: list[tuple[Any, Any, list[str]]] = [
        (WebhookDelivery, WebhookDelivery.shop_domain == domain, ["body"]),
        (OrderRow, OrderRow.shop_id == shop_id, ["payload"]),
        (AuditEntry, AuditEntry.shop_id == shop_id, ["message", "detail"]),
        (SyncRecord, SyncRecord.shop_id == shop_id, ["message"]),
        (Mapping, Mapping.shop_id == shop_id, ["source_label"]),
        (PrivacyRequest, PrivacyRequest.shop_id == shop_id, ["report"]),
    ]
    changed = 0
    for table, scope, columns in targets:
        matches = [
            cast(getattr(table, c), Text).ilike(f"%{s}%") for c in columns for s in identifying
        ]
        for row in (await uow.session.scalars(select(table).where(scope, or_(*matches)))).all():
            for column in columns:
                setattr(row, column, _scrubbed(getattr(row, column), strings))
            changed += 1
    return changed


def _scrubbed(value: Any, strings: set[str]) -> Any:
    if isinstance(value, str) and value.startswith(("{", "[")):
        try:
            return json.dumps(scrub(json.loads(value), strings), separators=(",", ":"))
        except ValueError:
            pass
    return scrub(value, strings)


async def redact_shop(uow: SqlUnitOfWork, shop_id: int, domain: str) -> None:
    """Erases the shop: every row of it (explicitly, SQLite enforces no cascades by default)."""
    for table in (AuditEntry, SyncRecord, OrderRow, Mapping, SyncConfigRow, Connection, ApiKey,
                  PrivacyRequest):  # fmt: skip
        await uow.session.execute(delete(table).where(table.shop_id == shop_id))
    await uow.session.execute(delete(WebhookDelivery).where(WebhookDelivery.shop_domain == domain))
    await uow.session.execute(delete(Shop).where(Shop.id == shop_id))
