"""A buyer whose zip, city and last name are their own order's total, year and number, for
the redaction tests: what must go, and the accounting facts that must stay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).parent / "fixtures" / "01_paid_single_taxed_line.json"
CUSTOMER_ID = 7301100001
ORDER_ID = 5910002001001


def numbers_buyer_order() -> dict[str, Any]:
    """The sample order at 1000.00 (no tax), bought by a buyer whose zip is "1000", city "2025" and
    last name "1001" (the order's own total, year and number)."""
    text = FIXTURE.read_text()
    amounts = {"50.00": "1000.00", "53.00": "1000.00", "25.00": "500.00", "3.00": "0.00"}
    for old, new in amounts.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    order: dict[str, Any] = json.loads(text)
    people = [order["billing_address"], order["shipping_address"], order["customer"]]
    for holder in (*people, order["customer"]["default_address"]):
        holder.update({"last_name": "1001", "zip": "1000", "city": "2025"})
        if "name" in holder:
            holder["name"] = "Maya 1001"
    order["note"] = "Leave with Maya 1001 at 412 Bardstown Rd"
    order["note_attributes"] = [{"name": "gift_for", "value": "Maya"}]
    order["line_items"][0]["properties"] = [{"name": "engraving", "value": "For Maya"}]
    order["client_details"] = {"browser_ip": "203.0.113.7", "user_agent": "Mozilla/5.0"}
    return order


def leaves(value: Any, path: str = "") -> dict[str, Any]:
    """Every scalar of a JSON value by its path."""
    if isinstance(value, list):
        value = dict(enumerate(value))
    if not isinstance(value, dict):
        return {path: value}
    return {p: v for k, item in value.items() for p, v in leaves(item, f"{path}/{k}").items()}


ACCOUNTING = ("price", "amount", "total", "tax", "discount", "currency", "_at", "/id", "_id")
ACCOUNTING += ("sku", "quantity", "rate", "/name", "number", "title", "gateway")
PERSONAL = ("customer", "address", "note", "properties", "client_details", "email", "phone")


def accounting_facts(order: dict[str, Any]) -> dict[str, Any]:
    return {
        path: value
        for path, value in leaves(order).items()
        if any(mark in path for mark in ACCOUNTING) and not any(p in path for p in PERSONAL)
    }
