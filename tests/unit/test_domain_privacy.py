"""Redaction by structure: the buyer's objects and fields go, their strings leave free text,
and money, dates, ids, SKUs and order names stay, whatever the buyer's zip, city or name."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.domain.entities import PrivacyRequest
from app.domain.privacy import REDACTED, Buyer, ReceivedPrivacyRequest, redact, scrub_text

FIXTURE = Path(__file__).parents[1] / "fixtures" / "01_paid_single_taxed_line.json"
CUSTOMER_ID = 7301100001
ORDER_ID = 5910002001001


def numbers_buyer_order() -> dict[str, Any]:
    """The sample order at 1000.00, bought by a buyer whose zip is "1000", city "2025" and
    last name "1001" (the order's own total, year and number)."""
    text = FIXTURE.read_text()
    for old, new in (('"50.00"', '"1000.00"'), ('"53.00"', '"1000.00"'), ('"25.00"', '"500.00"')):
        text = text.replace(old, new)
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


def buyer_of(order: dict[str, Any]) -> Buyer:
    return Buyer.of({"id": CUSTOMER_ID, "email": "maya.okafor@example.com"}, [order])


def test_the_buyers_order_keeps_every_amount_date_id_and_name() -> None:
    order = numbers_buyer_order()
    before = accounting_facts(order)

    cleaned = redact(copy.deepcopy(order), buyer_of(order))

    assert len(before) > 100 and before["/total_price"] == "1000.00"
    assert accounting_facts(cleaned) == before
    assert cleaned["name"] == "#1001" and cleaned["created_at"].startswith("2025-03-14")
    assert REDACTED not in json.dumps(cleaned)  # nothing was rewritten in place


def test_the_buyers_order_loses_its_person_by_structure() -> None:
    order = numbers_buyer_order()

    cleaned = redact(order, buyer_of(order))

    assert cleaned["customer"] == {"id": CUSTOMER_ID, "redacted": True}
    assert cleaned["billing_address"] is None and cleaned["shipping_address"] is None
    assert (cleaned["email"], cleaned["contact_email"], cleaned["note"]) == (None, None, None)
    assert cleaned["note_attributes"] == [] and cleaned["line_items"][0]["properties"] == []
    assert cleaned["client_details"] is None
    text = json.dumps(cleaned)
    for trace in ("maya", "Bardstown", "5025550142", "203.0.113.7", "Mozilla", '"1000"'):
        assert trace.lower() not in text.lower(), trace


def test_elsewhere_only_the_buyers_objects_and_fields_go() -> None:
    order = numbers_buyer_order()
    other = {"id": 1, "email": "sam@example.com", "first_name": "Sam"}
    detail = {
        "shopify_customer_id": str(CUSTOMER_ID),
        "email": "Maya.Okafor@example.com",
        "name": "Maya 1001",
        "orders": [{"customer": other, "billing_address": {"name": "Sam Lee", "zip": "1000"}}],
        "message": "No QuickBooks customer matches Maya 1001 on #1001 (1000.00, 2025-03-14)",
        "sku": "MAYA-1001",
    }

    cleaned = redact(detail, buyer_of(order))

    assert cleaned["email"] is None and cleaned["name"] is None
    assert cleaned["orders"] == detail["orders"]  # another buyer's data is theirs
    assert cleaned["message"] == (
        f"No QuickBooks customer matches {REDACTED} on #1001 (1000.00, 2025-03-14)"
    )
    assert cleaned["sku"] == "MAYA-1001"  # not free text: never scrubbed


def test_free_text_loses_whole_words_and_keeps_numbers() -> None:
    order = numbers_buyer_order()
    order["customer"]["first_name"] = order["billing_address"]["first_name"] = "Ann"
    buyer = Buyer.of({"id": CUSTOMER_ID}, [order])

    text = "Annual note: Ann at 412 bardstown rd, zip 1000, paid 1000.00 on 2025-03-14 (#1001)"

    assert scrub_text(text, buyer) == (
        f"Annual note: {REDACTED} at {REDACTED}, zip 1000, paid 1000.00 on 2025-03-14 (#1001)"
    )
    assert "1000" not in buyer.strings and "2025" not in buyer.strings
    assert "+15025550142" in buyer.strings  # a phone is all digits, and still the buyer's


def test_a_request_is_due_thirty_days_after_it_came() -> None:
    came = datetime(2025, 3, 14, 10, tzinfo=UTC)
    asked = ReceivedPrivacyRequest(1, PrivacyRequest(1, "customers/data_request", "9", ""), came)
    done = ReceivedPrivacyRequest(2, PrivacyRequest(1, "customers/redact", "9", ""), came)

    assert asked.due_at == datetime(2025, 4, 13, 10, tzinfo=UTC)
    assert (asked.status, done.status) == ("report_ready", "completed")
